"""Bad input never crashes a process: it ends in a defined state and, where a person acted, a message."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from bot.store.keys import replies_key, session_key
from tests.e2e.conftest import Stack
from tests.e2e.helpers import design_thread, questions_messages, status_text, thread_with_questions, wait_for_questions
from tests.support.waiting import wait_until


def post_raw(stack: Stack, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{stack.port}/slack/events", data=body, method="POST")
    for name, value in headers.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def event(channel: str, **fields: object) -> dict[str, object]:
    body = {"type": "message", "channel": channel, "user": "UANA", "ts": f"{time.time():.6f}", **fields}
    return {
        "token": "x",
        "team_id": "T0001",
        "api_app_id": "A0TECHSPEC",
        "type": "event_callback",
        "event_id": f"Ev{time.time_ns()}",
        "event_time": int(time.time()),
        "event": body,
        "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True}],
    }


def healthy(stack: Stack) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{stack.port}/healthz", timeout=5) as response:
        return response.status == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},
        {"Content-Type": "application/json", "X-Slack-Signature": "v0=bad", "X-Slack-Request-Timestamp": "1"},
    ],
)
def test_unsigned_or_forged_requests_are_rejected_and_do_nothing(fresh: Stack, headers: dict[str, str]) -> None:
    stack = fresh
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    stack.slack.reset_requests()
    body = json.dumps(event(channel, type="app_mention", text="<@UBOT> spec", thread_ts=root)).encode()
    assert post_raw(stack, body, headers) == 401
    assert stack.slack.requests == []
    assert stack.redis.get(session_key("T0001", channel, root)) is None


def test_stale_signature_is_rejected(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    delivery = stack.slack.deliver(event(channel, text="hi"), timestamp=int(time.time()) - 3600)
    assert delivery.status == 401


def test_malformed_and_unknown_events_get_200_or_4xx_never_a_crash(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    assert stack.slack.deliver(b"{not json", content_type="application/json").status < 500
    assert stack.slack.deliver(event(channel, type="reaction_added", reaction="tada")).status == 200
    assert stack.slack.deliver(event(channel, subtype="channel_join", text="joined")).status == 200
    assert stack.slack.deliver(event(channel, subtype="bot_message", bot_id="BOTHER", text="ci")).status == 200
    assert stack.slack.deliver({"type": "event_callback", "event": {"type": "mystery"}}).status < 500
    assert healthy(stack)
    assert stack.slack.messages(channel) == []


def test_edits_and_deletions_update_and_withdraw_answers(fresh: Stack) -> None:
    stack = fresh
    channel, root, _ = thread_with_questions(stack)
    key = session_key("T0001", channel, root)
    first = stack.slack.post_message(channel, "UANA", "1. MySQL", thread_ts=root)
    second = stack.slack.post_message(channel, "UBOB", "2. under a second", thread_ts=root)
    stack.slack.post_message(channel, "UCAT", ":tada:", thread_ts=root)  # emoji only: recorded, answers nothing
    wait_until(
        lambda: "2 of 3 answered" in status_text(stack, channel, root),
        10,
        message=f"2 of 3: {status_text(stack, channel, root)}\n{stack.logs()}",
    )
    stack.slack.edit_message(channel, first, "1. Postgres 16")
    wait_until(lambda: b"Postgres 16" in (stack.redis.hget(replies_key(key), first) or b""), 10, message="edit")
    stack.slack.delete_message(channel, second)
    wait_until(lambda: "1 of 3 answered" in status_text(stack, channel, root), 10, message="1 of 3 after delete")
    assert stack.redis.hget(replies_key(key), second) is None


def test_another_bots_messages_are_not_answers(fresh: Stack) -> None:
    stack = fresh
    channel, root, _ = thread_with_questions(stack)
    stack.slack.deliver(event(channel, subtype="bot_message", bot_id="BOTHER", text="1. deploy green", thread_ts=root))
    stack.slack.post_message(channel, "UBOB", "3. admins only", thread_ts=root)
    wait_until(lambda: "1 of 3 answered" in status_text(stack, channel, root), 10, message="1 of 3")
    assert stack.redis.hlen(replies_key(session_key("T0001", channel, root))) == 1


def test_private_channel_works_and_a_dm_is_refused_clearly(fresh: Stack) -> None:
    stack = fresh
    private = stack.new_channel(private=True)
    root = design_thread(stack, private)
    stack.slack.post_message(private, "UANA", "<@UBOT> spec", thread_ts=root)
    wait_for_questions(stack, private, root)

    stack.slack.add_channel("DANABOB", "", members=["UANA", "UBOB"], is_im=True)
    dm_ts = stack.slack.seed_message("DANABOB", "UANA", "let's design it here")
    before = len(stack.slack.responses)
    stack.slack.send_message_shortcut("UANA", "DANABOB", dm_ts)
    wait_until(lambda: len(stack.slack.responses) > before, 10, message=f"dm response\n{stack.logs()}")
    assert "invite" in json.dumps(stack.slack.responses[-1][1]).lower()


def test_a_3000_message_thread_is_read_in_full(fresh: Stack) -> None:
    stack = fresh
    channel = stack.new_channel()
    root = stack.slack.seed_message(channel, "UANA", "Design: the ingest pipeline")
    for index in range(1, 3000):
        stack.slack.seed_message(channel, "UBOB" if index % 2 else "UANA", f"point {index}", thread_ts=root)
    pages_before = len(stack.slack.calls("conversations.replies"))
    stack.slack.post_message(channel, "UCAT", "<@UBOT> spec", thread_ts=root)
    wait_for_questions(stack, channel, root, timeout=60)
    pages = len(stack.slack.calls("conversations.replies")) - pages_before
    assert pages >= 3001 // 200  # every page, not the first one only
    prompt = stack.model.prompt_text(stack.model.calls("ClarifyResult")[-1])
    assert "point 2999" in prompt and "Design: the ingest pipeline" in prompt
    assert len(questions_messages(stack.slack, channel, root)) == 1


def test_expired_session_says_so_once_and_a_mention_starts_again(fresh: Stack) -> None:
    stack = fresh
    channel, root, _ = thread_with_questions(stack)
    key = session_key("T0001", channel, root)
    for name in stack.redis.scan_iter(f"techspec:*{channel}*"):
        assert stack.redis.ttl(name) > 0, name  # every key of a session has a TTL
    stack.redis.delete(key)  # what the TTL does after TECHSPEC_SESSION_TTL_SECONDS

    stack.slack.post_message(channel, "UBOB", "1. Postgres", thread_ts=root)
    stack.slack.post_message(channel, "UBOB", "2. p99 200 ms", thread_ts=root)
    notices = lambda: [m for m in stack.slack.thread(channel, root) if "expired" in str(m.get("text", ""))]  # noqa: E731
    wait_until(notices, 10, message="expiry notice")
    assert len(notices()) == 1

    stack.slack.post_message(channel, "UANA", "<@UBOT> start over", thread_ts=root)
    wait_until(
        lambda: len(questions_messages(stack.slack, channel, root)) == 2, 20, message=f"new questions\n{stack.logs()}"
    )
