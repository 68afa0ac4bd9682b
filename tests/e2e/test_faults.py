"""Nothing lost, nothing doubled: double triggers, model and Slack faults, through the real processes."""

from __future__ import annotations

import json

import pytest

from bot.store.keys import lock_key, session_key
from bot.store.sessions import Phase, Session
from tests.e2e.conftest import Stack
from tests.e2e.helpers import (
    CLEAR,
    design_thread,
    questions_messages,
    session_of,
    spec_files,
    status_text,
    thread_with_questions,
    wait_for_pinned_spec,
    wait_for_questions,
)
from tests.support.waiting import wait_until


def test_generate_now_clicked_twice_and_double_mention_give_one_spec(fresh: Stack) -> None:
    stack = fresh
    channel, root, questions = thread_with_questions(stack)
    hold = stack.model.hold("TechnicalSpecDraft")
    stack.slack.send_block_action("UANA", channel, questions["ts"], "techspec_generate_now", "x")
    stack.slack.send_block_action("UBOB", channel, questions["ts"], "techspec_generate_now", "x")
    stack.slack.post_message(channel, "UBOB", "<@UBOT> go", thread_ts=root)
    stack.slack.post_message(channel, "UANA", "<@UBOT> go now", thread_ts=root)
    assert hold.wait_started(20)
    hold.release()
    wait_for_pinned_spec(stack, channel, root)
    wait_until(lambda: "Done" in status_text(stack, channel, root), 10, message="done")
    assert len(spec_files(stack.slack, channel, root)) == 1
    assert len(stack.model.calls("TechnicalSpecDraft")) == 1
    # The second clicker is told privately that it is already under way.
    said = json.dumps([payload for _, payload in stack.slack.responses])
    assert "already under way" in said


def test_go_ahead_while_the_questions_are_still_being_posted_is_not_lost(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    # People see the questions 2 s before the bot learns its post went through.
    stack.slack.answer_latency["chat.postMessage"] = 2.0
    try:
        stack.slack.post_message(channel, "UANA", "<@UBOT> spec", thread_ts=root)
        wait_for_questions(stack, channel, root)
        stack.slack.post_message(channel, "UBOB", "<@UBOT> go ahead", thread_ts=root)
        wait_for_pinned_spec(stack, channel, root)
    finally:
        stack.slack.answer_latency.clear()
    assert len(spec_files(stack.slack, channel, root)) == 1


@pytest.mark.parametrize(
    ("fault", "count"),
    # (An answer cut off by max_tokens is closed locally when it can be: tests/llm/test_negotiation.py.)
    [("500", 4), ("429", 4), ("drop", 4), ("invalid_json", 2), ("refusal", 1)],
)
def test_model_failure_is_reported_and_a_mention_retries(fresh: Stack, fault: str, count: int) -> None:
    stack = fresh
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    calls_before = len(stack.model.calls("ClarifyResult"))
    stack.model.fault(fault, schema_name="ClarifyResult", count=count, retry_after=0.1)
    mention = stack.slack.post_message(channel, "UANA", "<@UBOT> spec", thread_ts=root)
    wait_until(lambda: "couldn't" in status_text(stack, channel, root), 20, message=f"failure\n{stack.logs()}")
    text = status_text(stack, channel, root)
    assert "Nothing was lost" in text and "Mention @techspec" in text
    wait_until(lambda: "warning" in stack.slack.reactions(channel, mention), 5, message="warning reaction")
    session = session_of(stack, channel, root)
    assert session is not None and session.phase == Phase.FAILED
    assert len(stack.model.calls("ClarifyResult")) - calls_before <= count  # bounded: no endless retrying

    stack.model.clear()
    stack.slack.post_message(channel, "UBOB", "<@UBOT> try again", thread_ts=root)
    wait_for_questions(stack, channel, root)
    assert len(questions_messages(stack.slack, channel, root)) == 1


def test_model_failure_while_writing_keeps_answers_and_retries(fresh: Stack) -> None:
    stack = fresh
    channel, root, _ = thread_with_questions(stack)
    stack.slack.post_message(channel, "UBOB", "1. Postgres", thread_ts=root)
    stack.model.fault("500", schema_name="TechnicalSpecDraft", count=4)
    stack.slack.post_message(channel, "UANA", "<@UBOT> write it", thread_ts=root)
    wait_until(lambda: "couldn't write the spec" in status_text(stack, channel, root), 20, message="failure")
    stack.model.clear()
    stack.slack.post_message(channel, "UANA", "<@UBOT> again please", thread_ts=root)
    wait_for_pinned_spec(stack, channel, root)
    assert "Postgres" in stack.model.prompt_text(stack.model.calls("TechnicalSpecDraft")[-1])
    assert len(spec_files(stack.slack, channel, root)) == 1


def test_slack_rate_limits_and_server_errors_are_retried(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    stack.model.script("ClarifyResult", CLEAR)
    stack.slack.fail_next("conversations.replies", http_status=500)
    stack.slack.fail_next("files.completeUploadExternal", http_status=429, retry_after=1)
    stack.slack.fail_next("pins.add", http_status=429, retry_after=1)
    stack.slack.post_message(channel, "UANA", "<@UBOT> spec", thread_ts=root)
    wait_for_pinned_spec(stack, channel, root)
    assert len(spec_files(stack.slack, channel, root)) == 1
    statuses = [c.http_status for c in stack.slack.calls("pins.add")]
    assert 429 in statuses and statuses[-1] == 200


def test_bot_not_in_channel_tells_how_to_fix(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel(members=("UANA", "UBOB"))
    root = design_thread(stack, channel)
    # Only this test's answer: an earlier test's late "already under way" must not satisfy the wait.
    before = len(stack.slack.responses)
    stack.slack.send_message_shortcut("UANA", channel, root)
    wait_until(lambda: "/invite" in json.dumps(stack.slack.responses[before:]), 10, message=f"response\n{stack.logs()}")
    said = json.dumps([payload for _, payload in stack.slack.responses[before:]])
    assert "/invite @techspec" in said
    assert session_of(stack, channel, root) is None  # nothing half-started; a retry after inviting works
    stack.slack.add_member(channel, "UBOT")
    stack.slack.send_message_shortcut("UANA", channel, root)
    wait_for_questions(stack, channel, root)


@pytest.mark.parametrize(
    ("link", "words"),
    [
        ("https://acme.slack.com/archives/CNOPE404/p1700000000000100", "can't see that channel"),
        ("https://example.com/not-slack", "doesn't look like a link to a Slack message"),
    ],
)
def test_bad_permalinks_get_a_clear_private_answer(fresh: Stack, link: str, words: str) -> None:
    stack = fresh
    here = stack.new_channel()
    before = len(stack.slack.responses)
    stack.slack.send_slash_command(user="UANA", channel=here, text=link)
    wait_until(lambda: len(stack.slack.responses) > before, 10, message=f"response\n{stack.logs()}")
    assert words in json.dumps(stack.slack.responses[-1][1])
    assert stack.slack.messages(here) == []


def test_permalink_to_a_deleted_message(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    ts = stack.slack.seed_message(channel, "UANA", "soon gone")
    stack.slack.delete_message(channel, ts)
    before = len(stack.slack.responses)
    link = f"https://acme.slack.com/archives/{channel}/p{ts.replace('.', '')}"
    stack.slack.send_slash_command(user="UANA", channel=channel, text=link)
    wait_until(lambda: len(stack.slack.responses) > before, 10, message=f"response\n{stack.logs()}")
    assert "deleted" in json.dumps(stack.slack.responses[-1][1])


def test_thread_of_only_the_mention_says_there_is_nothing_to_read(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    mention = stack.slack.post_message(channel, "UANA", "<@UBOT>")
    wait_until(lambda: "nothing in this thread" in status_text(stack, channel, mention), 15, message="empty thread")
    assert questions_messages(stack.slack, channel, mention) == []


def test_revision_refused_by_slack_leaves_the_done_spec_intact(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    stack.model.script("ClarifyResult", CLEAR)
    stack.slack.post_message(channel, "UANA", "<@UBOT> spec", thread_ts=root)
    wait_for_pinned_spec(stack, channel, root)
    wait_until(lambda: (s := session_of(stack, channel, root)) and s.phase == Phase.DONE, 10, message="done")
    stack.slack.remove_member(channel, "UBOT")
    stack.slack.send_message_shortcut("UANA", channel, root)
    wait_until(lambda: "/invite @techspec" in json.dumps(stack.slack.responses[-1:]), 10, message="invite hint")
    session = session_of(stack, channel, root)
    assert session is not None and session.phase == Phase.DONE and session.version == 1  # not stuck mid-revision
    stack.slack.add_member(channel, "UBOT")
    stack.model.script("ClarifyResult", CLEAR)
    stack.slack.send_message_shortcut("UANA", channel, root)
    wait_until(lambda: len(spec_files(stack.slack, channel, root)) == 2, 30, message=f"v2\n{stack.logs()}")


def test_a_session_whose_job_was_lost_resumes_on_the_next_mention(fresh: Stack) -> None:
    stack = fresh
    channel, root, _ = thread_with_questions(stack)
    key = session_key("T0001", channel, root)
    # The reading job posts the questions and then still holds the session's lease for a moment (it moves the
    # session on and schedules the reminder): a job that "vanished an hour ago" holds nothing, so wait for that.
    wait_until(
        lambda: (
            not stack.redis.exists(lock_key(key))
            and (s := session_of(stack, channel, root))
            and s.phase == Phase.AWAITING_ANSWERS
        ),
        20,
        message=f"reading job finished\n{stack.logs()}",
    )
    lost = Session.model_validate_json(stack.redis.get(key) or b"")
    lost.phase, lost.updated_at = Phase.WRITING, lost.updated_at - 3600  # its job vanished an hour ago
    stack.redis.set(key, lost.model_dump_json(), ex=3600)
    stack.slack.post_message(channel, "UBOB", "<@UBOT> where is it?", thread_ts=root)
    wait_for_pinned_spec(stack, channel, root)


def test_a_refused_pin_still_finishes_the_spec_and_says_so(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    stack.model.script("ClarifyResult", CLEAR)
    stack.slack.fail_next("pins.add", error="missing_scope")
    stack.slack.post_message(channel, "UANA", "<@UBOT> spec", thread_ts=root)
    wait_until(lambda: "couldn't pin it" in status_text(stack, channel, root), 30, message=f"pin\n{stack.logs()}")
    assert len(spec_files(stack.slack, channel, root)) == 1
    assert "reinstall" in status_text(stack, channel, root)
    wait_until(lambda: (s := session_of(stack, channel, root)) and s.phase == Phase.DONE, 10, message="done")


def test_buttons_of_an_earlier_round_of_questions_do_not_act_on_the_current_one(fresh: Stack) -> None:
    stack = fresh
    channel, root, first_round = thread_with_questions(stack)
    stack.slack.send_block_action("UANA", channel, first_round["ts"], "techspec_generate_now", "x")
    wait_for_pinned_spec(stack, channel, root)
    wait_until(lambda: (s := session_of(stack, channel, root)) and s.phase == Phase.DONE, 10, message="v1 done")
    stack.slack.post_message(channel, "UBOB", "New idea: exports should also go to email.", thread_ts=root)
    stack.slack.post_message(channel, "UBOB", "<@UBOT> revise", thread_ts=root)
    wait_until(
        lambda: len(questions_messages(stack.slack, channel, root)) == 2, 20, message=f"v2 questions\n{stack.logs()}"
    )
    before = len(stack.slack.ephemerals)
    stack.slack.send_block_action("UANA", channel, first_round["ts"], "techspec_cancel", "x")
    wait_until(lambda: len(stack.slack.ephemerals) > before, 10, message="stale-button notice")
    assert "earlier round of questions" in json.dumps(stack.slack.ephemerals[-1])
    session = session_of(stack, channel, root)
    assert session is not None and session.phase == Phase.AWAITING_ANSWERS and session.version == 2


def test_a_words_thread_credits_the_person_not_the_bot(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    question = {
        "area": "data",
        "question": "How long are exports kept?",
        "why_it_matters": "Storage cost",
        "recommended_answer": None,
        "raised_in": ["M1"],
    }
    stack.model.script(
        "ClarifyResult", {"thread_is_clear": False, "title": "Exports", "language": "English", "questions": [question]}
    )
    stack.slack.send_slash_command(user="UCAT", channel=channel, text="export service for dashboards")
    root = wait_until(
        lambda: [m["ts"] for m in stack.slack.messages(channel) if "export service" in str(m.get("text"))],
        10,
        message="root",
    )[0]
    questions = wait_for_questions(stack, channel, root)
    blocks = json.dumps(questions["blocks"])
    assert "<@UCAT>" in blocks and "<@UBOT>" not in blocks
    prompt = stack.model.prompt_text(stack.model.calls("ClarifyResult")[-1])
    assert "[M1] Cat" in prompt
