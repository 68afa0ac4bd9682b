"""Slack's slow rate tier for conversations.replies, per emulator: 15 messages a page, one call a window.

Since 2025-05-29 an app distributed commercially outside the Slack Marketplace reads
conversations.replies (and .history) at 1 request a minute per workspace, at most 15 messages a page;
internal and Marketplace apps keep Tier 3. Set `emu.replies_tier = "limited"` to serve that tier, and
`emu.limited_window_seconds` to shorten the minute in tests.
"""

from __future__ import annotations

import math
import threading
import time
from typing import TYPE_CHECKING

from .models import ApiError

if TYPE_CHECKING:
    from .emulator import SlackEmulator

LIMITED_PAGE = 15
LIMITED_WINDOW_SECONDS = 60.0


class RateLimited(ApiError):
    """A call over the method's rate: HTTP 429, `Retry-After` (whole seconds) and no data."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("ratelimited")
        self.retry_after = retry_after


class ReplyPacer:
    """When each workspace last got a conversations.replies answer (the limited tier's one call a window)."""

    def __init__(self) -> None:
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def admit(self, team_id: str, window: float, now: float | None = None) -> None:
        """Let one call a window through for the workspace; raise RateLimited for any other."""
        now = time.monotonic() if now is None else now
        with self._lock:
            last = self._last.get(team_id)
            if last is not None and now - last < window:
                # Slack's Retry-After is whole seconds; rounding up means a caller that honours it gets in.
                raise RateLimited(max(1, math.ceil(window - (now - last))))
            self._last[team_id] = now

    def reset(self) -> None:
        """Forget every workspace's last call (a fresh window for each)."""
        with self._lock:
            self._last.clear()


def replies_page_cap(emu: SlackEmulator, cap: int) -> int:
    """The largest page conversations.replies serves at the emulator's tier (limited: 15, silently)."""
    return min(cap, LIMITED_PAGE) if is_limited(emu) else cap


def is_limited(emu: SlackEmulator) -> bool:
    """True when the emulator serves conversations.replies at the slow tier."""
    return getattr(emu, "replies_tier", "normal") == "limited"


def admit_replies(emu: SlackEmulator, team_id: str) -> None:
    """At the slow tier, one conversations.replies call per window per workspace (else RateLimited)."""
    if is_limited(emu):
        emu.reply_pacer.admit(team_id, float(getattr(emu, "limited_window_seconds", LIMITED_WINDOW_SECONDS)))
