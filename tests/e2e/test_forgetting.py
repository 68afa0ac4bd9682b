"""Forgetting, end to end: after `/techspec forget`, a deleted channel or an uninstall, a scan of every Redis
key and value (RQ's job payloads decompressed) finds nothing of that thread, channel or workspace."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Stack
from tests.e2e.helpers import (
    design_thread,
    session_of,
    thread_with_questions,
    wait_for_pinned_spec,
    wait_for_questions,
)
from tests.fakes.slack import payloads
from tests.support.redis_dump import every_key_and_value, where_found
from tests.support.waiting import wait_until

ANSWER = "1. Postgres 16 in eu-west-1, files kept 7 days"
OTHER_DESIGN = [
    ("UBOB", "We need audit logs for the billing service, kept for a year."),
    ("UANA", "Write them to the existing Kafka topic and archive daily to cold storage."),
]


def link(channel: str, ts: str) -> str:
    return f"https://acme.slack.com/archives/{channel}/p{ts.replace('.', '')}"


def traces(channel: str, root: str) -> list[str]:
    """What would show that something of the thread is still stored: its ids and its words."""
    return [channel, root, root.replace(".", ""), "Postgres 16 in eu-west-1", "CSV export for the analytics"]


def finished_thread(stack: Stack) -> tuple[str, str]:
    """A thread taken all the way: questions, an answer, the spec pinned (App Home entry, jobs, markers)."""
    channel, root, _ = thread_with_questions(stack)
    stack.slack.post_message(channel, "UBOB", ANSWER, thread_ts=root)
    stack.slack.post_message(channel, "UANA", "<@UBOT> go ahead", thread_ts=root)
    wait_for_pinned_spec(stack, channel, root)
    wait_until(lambda: (s := session_of(stack, channel, root)) and s.phase == "done", 20, message=stack.logs())
    return channel, root


def responses_saying(stack: Stack, words: str) -> list[dict[str, Any]]:
    return [payload for _, payload in stack.slack.responses if words in str(payload.get("text", ""))]


def send_event(stack: Stack, event: dict[str, Any]) -> None:
    delivery = stack.slack.deliver(payloads.envelope(stack.slack.ws, event))
    assert delivery.status == 200, delivery.body


def test_forget_a_thread(fresh: Stack) -> None:
    stack = fresh
    channel, root = finished_thread(stack)
    # Someone else's thread, untouched; on other words, since its stored copy (redacted) holds its words.
    other_channel = stack.new_channel()
    other_root = design_thread(stack, other_channel, OTHER_DESIGN)
    stack.slack.post_message(other_channel, "UBOB", "<@UBOT> spec", thread_ts=other_root)
    wait_for_questions(stack, other_channel, other_root)
    assert where_found(stack.redis, traces(channel, root)) != []

    # No link, or not a link: how to use it, and nothing is deleted.
    for text in ("forget", "forget that thread about exports"):
        before = len(responses_saying(stack, "To make me forget"))
        stack.slack.send_slash_command(user="UANA", channel=channel, text=text)
        wait_until(lambda: len(responses_saying(stack, "To make me forget")) > before, 15, message=stack.logs())  # noqa: B023
    # Someone who cannot read the channel is refused, and nothing is deleted.
    stack.slack.send_slash_command(user="UCAT", channel=other_channel, text=f"forget {link(channel, root)}")
    wait_until(lambda: responses_saying(stack, "not a member"), 15, message=stack.logs())
    assert session_of(stack, channel, root) is not None

    stack.slack.send_slash_command(user="UANA", channel=channel, text=f"forget {link(channel, root)}")
    wait_until(lambda: responses_saying(stack, "deleted everything"), 30, message=stack.logs())
    assert where_found(stack.redis, traces(channel, root)) == []
    assert session_of(stack, other_channel, other_root) is not None


def test_deleted_reply_leaves_the_stored_answers(fresh: Stack) -> None:
    stack = fresh
    channel, root, _ = thread_with_questions(stack)
    reply = stack.slack.post_message(channel, "UBOB", "2. Under five minutes for a million rows", thread_ts=root)
    key = f"techspec:replies:T0001:{channel}:{root}"
    wait_until(lambda: stack.redis.hexists(key, reply), 10, message=stack.logs())
    stack.slack.delete_message(channel, reply)
    wait_until(lambda: not stack.redis.hexists(key, reply), 10, message=stack.logs())
    assert where_found(stack.redis, ["Under five minutes"]) == []


def test_deleted_channel_is_forgotten(fresh: Stack) -> None:
    stack = fresh
    channel, root = finished_thread(stack)
    # A second thread in the same channel, waiting for answers: its reminder job is scheduled for tomorrow.
    second = design_thread(stack, channel)
    stack.slack.post_message(channel, "UBOB", "<@UBOT> spec", thread_ts=second)
    wait_until(lambda: (s := session_of(stack, channel, second)) and s.phase == "awaiting_answers", 20)
    assert where_found(stack.redis, [channel]) != []
    send_event(stack, {"type": "channel_deleted", "channel": channel, "event_ts": "1.0"})
    left = lambda: where_found(stack.redis, [channel, root, second])  # noqa: E731
    wait_until(lambda: left() == [], 30, message=f"{left()}\n{stack.logs()}")


def test_uninstall_or_revoked_token_forgets_the_workspace(fresh: Stack) -> None:
    stack = fresh
    for event in ({"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}, {"type": "app_uninstalled"}):
        needles = ["T0001", *finished_thread(stack)]
        assert where_found(stack.redis, needles) != []
        send_event(stack, {**event, "event_ts": "1.0"})
        wait_until(lambda: where_found(stack.redis, needles) == [], 30, message=stack.logs())  # noqa: B023
        assert [k for k in every_key_and_value(stack.redis) if k.startswith("techspec:")] == []
