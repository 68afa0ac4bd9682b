"""End to end: one reminder to the person who asked when nobody answers (delay shortened to 2 s), and none
when someone did."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.store.keys import session_key
from bot.store.queue import JobKind, job_id
from bot.store.sessions import Session
from tests.e2e.conftest import Stack, running_stack
from tests.e2e.helpers import bot_messages, design_thread, wait_for_questions
from tests.support.waiting import wait_until

REMINDER = "nobody has answered"


@pytest.fixture(scope="module")
def stack(redis_url: str) -> Iterator[Stack]:
    """The real stack with TECHSPEC_REMINDER_SECONDS=2."""
    with running_stack(redis_url.rsplit("/", 1)[0] + "/1", TECHSPEC_REMINDER_SECONDS="2") as running:
        yield running


def reminders(stack: Stack, channel: str, root: str) -> list[str]:
    return [str(m["text"]) for m in bot_messages(stack.slack, channel, root) if REMINDER in str(m.get("text"))]


def remind_job_finished(stack: Stack, channel: str, root: str) -> bool:
    key = session_key("T0001", channel, root)
    session = Session.model_validate_json(stack.redis.get(key) or b"{}")
    status = stack.redis.hget(f"rq:job:{job_id(JobKind.REMIND, key, session.version, session.instance)}", "status")
    return status == b"finished"


def test_one_reminder_when_nobody_answers_and_none_after_an_answer(stack: Stack) -> None:
    quiet = stack.new_channel()
    quiet_root = design_thread(stack, quiet)
    stack.slack.post_message(quiet, "UBOB", "<@UBOT> spec please", thread_ts=quiet_root)
    busy = stack.new_channel()
    busy_root = design_thread(stack, busy)
    stack.slack.post_message(busy, "UANA", "<@UBOT> spec please", thread_ts=busy_root)
    wait_for_questions(stack, busy, busy_root)
    stack.slack.post_message(busy, "UBOB", "1. Postgres", thread_ts=busy_root)
    wait_for_questions(stack, quiet, quiet_root)

    found = wait_until(lambda: reminders(stack, quiet, quiet_root), 20, message=f"reminder\n{stack.logs()}")
    assert len(found) == 1 and "<@UBOB>" in found[0]
    # Both reminder jobs have run: the quiet thread got exactly one reminder, the answered one none.
    wait_until(lambda: remind_job_finished(stack, busy, busy_root), 20, message="busy thread's reminder job ran")
    # The reminder is posted a moment before its job is marked finished: wait for that too.
    wait_until(lambda: remind_job_finished(stack, quiet, quiet_root), 10, message="quiet thread's reminder job ran")
    assert len(reminders(stack, quiet, quiet_root)) == 1
    assert reminders(stack, busy, busy_root) == []
