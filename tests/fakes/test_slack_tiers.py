"""The emulator's slow rate tier for conversations.replies: 15 a page, one call a window, 429 + Retry-After."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakes.slack import SlackEmulator
from tests.fakes.slack.tiers import ReplyPacer
from tests.support.waiting import wait_until


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        emulator.add_user("UANA", "ana")
        emulator.add_channel("C100", "design", members=["UANA", "UBOT"])
        yield emulator


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(base_url=emu.api_url, token=emu.bot_token)  # no retry handler for 429s


def thread(emu: SlackEmulator, replies: int) -> tuple[str, list[str]]:
    root = emu.seed_message("C100", "UANA", "let's design X")
    return root, [emu.seed_message("C100", "UANA", f"r{i}", thread_ts=root) for i in range(replies)]


def test_normal_tier_is_the_default_and_unpaced(emu: SlackEmulator, client: WebClient) -> None:
    root, posted = thread(emu, 40)
    assert emu.replies_tier == "normal"
    for _ in range(3):
        assert len(client.conversations_replies(channel="C100", ts=root, limit=200)["messages"]) == 41


def test_limited_tier_caps_the_page_and_paces_calls(emu: SlackEmulator, client: WebClient) -> None:
    root, posted = thread(emu, 40)
    emu.replies_tier, emu.limited_window_seconds = "limited", 1.5
    first = client.conversations_replies(channel="C100", ts=root, limit=200)
    # A larger limit is cut to 15 silently: the parent and 14 replies, with more to come.
    assert [m["ts"] for m in first["messages"]] == [root, *posted[:14]]
    assert first["has_more"] and first["response_metadata"]["next_cursor"]
    cursor = first["response_metadata"]["next_cursor"]
    with pytest.raises(SlackApiError) as refused:
        client.conversations_replies(channel="C100", ts=root, limit=200, cursor=cursor)
    assert refused.value.response.status_code == 429
    assert refused.value.response["error"] == "ratelimited" and "messages" not in refused.value.response.data
    assert refused.value.response.headers["Retry-After"] in ("1", "2")
    # Another thread of the same workspace shares the window: the limit is per workspace, not per thread.
    other, _ = thread(emu, 2)
    with pytest.raises(SlackApiError):
        client.conversations_replies(channel="C100", ts=other)
    started = time.monotonic()
    second = wait_until(lambda: _try(client, root, cursor), timeout=5, interval=0.2, message="the next window")
    assert time.monotonic() - started <= 2.0
    assert [m["ts"] for m in second["messages"]] == posted[14:29]  # no parent on a cursor page
    statuses = [c.http_status for c in emu.calls("conversations.replies")]
    assert statuses[:3] == [200, 429, 429] and statuses[-1] == 200


def test_retry_after_rounds_up_to_whole_seconds() -> None:
    pacer = ReplyPacer()
    pacer.admit("T1", 60, now=100.0)
    pacer.admit("T2", 60, now=100.2)  # another workspace has its own window
    with pytest.raises(Exception) as refused:
        pacer.admit("T1", 60, now=130.4)
    assert getattr(refused.value, "retry_after", None) == 30
    pacer.admit("T1", 60, now=160.0)


def _try(client: WebClient, root: str, cursor: str) -> dict | None:
    try:
        return client.conversations_replies(channel="C100", ts=root, limit=15, cursor=cursor).data  # type: ignore[return-value]
    except SlackApiError as exc:
        if exc.response.status_code != 429:
            raise
        return None
