"""End to end through the real processes: a thread read at Slack's slow tier (an app distributed outside the
Marketplace: 15 messages a page, one conversations.replies call a window per workspace), to the end, with
progress in the status line, no page read twice, the worker free meanwhile, then a revision that reads only
what is new."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.store.keys import session_key
from bot.store.sessions import Phase, Session
from tests.e2e.conftest import Stack, running_stack
from tests.e2e.helpers import CLEAR, design_thread, wait_for_pinned_spec
from tests.fakes.slack.models import RecordedCall
from tests.support.waiting import wait_until

WINDOW = 2.0  # Slack's minute, shortened
REPLIES = 58  # + the root, the mention and the bot's status line: a thread of 61 messages


@pytest.fixture(scope="module")
def slow(redis_url: str) -> Iterator[Stack]:
    """The stack with the reader left to find the tier from Slack's answers (the default, auto)."""
    with running_stack(redis_url.rsplit("/", 1)[0] + "/3", TECHSPEC_SLACK_READ_TIER="auto") as stack:
        stack.slack.replies_tier, stack.slack.limited_window_seconds = "limited", WINDOW
        yield stack


def reads(stack: Stack, channel: str, root: str) -> list[RecordedCall]:
    """The thread's conversations.replies calls, oldest first."""
    return [
        c
        for c in stack.slack.calls("conversations.replies")
        if c.params.get("channel") == channel and c.params.get("ts") == root
    ]


def phase(stack: Stack, channel: str, root: str) -> Phase | None:
    raw = stack.redis.get(session_key("T0001", channel, root))
    return Session.model_validate_json(raw).phase if raw else None


def served(calls: list[RecordedCall]) -> list[str]:
    """The ts of every message the answered calls returned."""
    return [str(m["ts"]) for c in calls if c.http_status == 200 for m in c.response.get("messages", [])]


def test_a_long_thread_is_read_to_the_end_at_the_slow_tier_then_a_revision_reads_only_what_is_new(
    slow: Stack,
) -> None:
    stack = slow
    channel = stack.new_channel()
    lines = [("UANA", "Design: CSV export for the dashboard.")]
    lines += [("UBOB" if i % 2 else "UANA", f"Point {i:02d}: detail number {i} of the export.") for i in range(REPLIES)]
    root = design_thread(stack, channel, lines)
    stack.model.script("ClarifyResult", CLEAR)
    stack.model.script("ClarifyResult", CLEAR)
    started = time.monotonic()
    stack.slack.post_message(channel, "UANA", "<@UBOT> spec please", thread_ts=root)

    # Progress shows in the status line, page by page ("read 15 of 61").
    wait_until(lambda: _status_updates(stack, channel, "read 15 of 61"), 20, message="progress")

    # Meanwhile another thread (same workspace, so the same window) gets its spec: the worker is not held.
    other = stack.new_channel()
    short = design_thread(stack, other)
    stack.slack.post_message(other, "UBOB", "<@UBOT> spec", thread_ts=short)
    wait_for_pinned_spec(stack, other, short, timeout=30)
    assert phase(stack, channel, root) == Phase.READING, "the long read was still under way"

    wait_for_pinned_spec(stack, channel, root, timeout=90)
    elapsed = time.monotonic() - started
    print(f"\nslow tier: 61 messages read and the spec pinned in {elapsed:.1f}s (window {WINDOW}s)")

    calls = reads(stack, channel, root)
    answered = [c for c in calls if c.http_status == 200]
    assert [c.http_status for c in calls if c.http_status not in (200, 429)] == []
    assert len(answered) == 5  # 15 + 15 + 15 + 15 + 1 messages
    cursors = [c.params.get("cursor") for c in answered]
    assert cursors[0] is None and len(set(cursors)) == len(cursors), "no page was read twice"
    everything = served(answered)
    assert len(everything) == len(set(everything)) == 61
    assert all(int(c.params["limit"]) == 15 for c in answered[1:])  # the tier was found from the first page
    updates = _status_updates(stack, channel, "at this app's Slack limit")
    assert any("read 30 of 61" in u for u in updates) and any("read 45 of 61" in u for u in updates)
    assert len(updates) <= len(answered)  # at most one status update a page

    prompt = _prompt_with(stack, "Point 57")
    assert all(f"Point {i:02d}:" in prompt for i in range(REPLIES)) and "Design: CSV export" in prompt
    revision_reads_only_what_is_new(stack, channel, root, everything)
    assert stack.slack.violations == []


def revision_reads_only_what_is_new(stack: Stack, channel: str, root: str, before: list[str]) -> None:
    """A further mention reads from the newest message read, and the model still gets the whole thread."""
    first_calls = len(reads(stack, channel, root))
    stack.slack.post_message(channel, "UBOB", "Change of plan: exports go to GCS, not S3.", thread_ts=root)
    stack.model.script("ClarifyResult", CLEAR)
    stack.slack.post_message(channel, "UANA", "<@UBOT> please update the spec", thread_ts=root)
    wait_until(lambda: _pinned_title(stack, channel, "TECHNICAL_SPEC.md (v2)"), 60, message=f"v2\n{stack.logs()}")
    later = [c for c in reads(stack, channel, root)[first_calls:] if c.http_status == 200]
    assert later and later[0].params.get("oldest") == max(before, key=float)
    again = [ts for ts in served(later) if ts in before]
    assert again == [root]  # only the parent, which Slack always sends first
    assert "GCS, not S3" in _prompt_with(stack, "GCS, not S3")


def _status_updates(stack: Stack, channel: str, needle: str) -> list[str]:
    return [
        str(c.params.get("text", ""))
        for c in stack.slack.calls("chat.update")
        if c.params.get("channel") == channel and needle in str(c.params.get("text", ""))
    ]


def _prompt_with(stack: Stack, needle: str) -> str:
    prompts = [stack.model.prompt_text(c) for c in stack.model.calls("ClarifyResult")]
    return next((p for p in reversed(prompts) if needle in p), "")


def _pinned_title(stack: Stack, channel: str, title: str) -> Any:
    return any(
        f.title == title and f.channel_id == channel and (f.shares or {}).get("public", {}).get(channel)
        for f in list(stack.slack.files.values())
    )
