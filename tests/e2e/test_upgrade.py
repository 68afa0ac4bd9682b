"""End to end: jobs queued by a release before the package layout (they name `bot.jobs.*` and
`bot.followups.remind`, as RQ stored them) still run on the new worker after an upgrade."""

from __future__ import annotations

from rq import Callback, Queue
from rq.utils import import_attribute

from bot.flow import jobs
from bot.store.sessions import Phase, Session
from tests.e2e.conftest import Stack
from tests.e2e.helpers import bot_messages, design_thread, session_of, wait_for_questions
from tests.support.waiting import wait_until

QUEUE = "techspec"  # TECHSPEC_QUEUE_PREFIX's default: the queue an older release enqueued on


def test_old_job_paths_resolve_to_the_new_job_functions() -> None:
    for old, new in [
        ("bot.jobs.run_session", jobs.run_session),
        ("bot.jobs.write_session", jobs.write_session),
        ("bot.jobs.refresh_answers", jobs.refresh_answers),
        ("bot.jobs.auto_write", jobs.auto_write),
        ("bot.jobs.start_from_command", jobs.start_from_command),
        ("bot.jobs.on_job_failure", jobs.on_job_failure),
        ("bot.followups.remind", jobs.remind),
    ]:
        assert import_attribute(old) is new, old


def test_a_session_queued_under_the_old_paths_runs_to_its_questions_and_reminder(stack: Stack) -> None:
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    trigger = stack.slack.seed_message(channel, "UANA", "<@UBOT> spec please", thread_ts=root)
    # The state an older release left: the session claimed, its reading job queued by dotted path.
    session = Session(team_id="T0001", channel_id=channel, thread_ts=root, requested_by="UANA", trigger_ts=trigger)
    assert stack.redis.set(session.key, session.model_dump_json(), ex=3600)
    queue = Queue(QUEUE, connection=stack.redis)
    queue.enqueue("bot.jobs.run_session", session.key, on_failure=Callback("bot.jobs.on_job_failure"))

    wait_for_questions(stack, channel, root)
    waiting = wait_until(
        lambda: (s := session_of(stack, channel, root)) is not None and s.phase == Phase.AWAITING_ANSWERS and s,
        20,
        message=f"session waiting for answers\n{stack.logs()}",
    )
    assert waiting

    queue.enqueue("bot.followups.remind", session.key, 1)
    reminder = wait_until(
        lambda: [m for m in bot_messages(stack.slack, channel, root) if "nobody has answered" in str(m.get("text"))],
        20,
        message=f"reminder from the old job path\n{stack.logs()}",
    )
    assert len(reminder) == 1 and "<@UANA>" in reminder[0]["text"]
