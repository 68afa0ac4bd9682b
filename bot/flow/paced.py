"""Reading a session's thread page by page at whatever pace Slack allows.

Each page is added to the thread's copy in Redis (redacted: bot.spec.pacing), so a read that Slack's
slow tier pauses resumes at the page where it stopped, on a later job, without holding a worker while
it waits. At the slow tier the copy is kept and the next version's read asks only for what came after its
newest message (re-reading costs minutes); at the standard tier every read reads the whole thread again
(seconds) and the copy is deleted when the read is done.
"""

from __future__ import annotations

import logging
import time

from bot.errors import SlackRateLimitedError
from bot.slack import texts
from bot.spec import pacing
from bot.spec.pacing import ThreadCopy
from bot.store.sessions import Session
from bot.store.threadcopy import ThreadCopies
from bot.wiring import Runtime

log = logging.getLogger(__name__)


class ReadPaused(Exception):
    """Slack wants the next page later: what was read is saved; run the step again after delay_seconds."""

    def __init__(self, delay_seconds: float, read: int, total: int | None) -> None:
        super().__init__(f"reading paused for {delay_seconds:.1f}s at {read} of {total} messages")
        self.delay_seconds = delay_seconds
        self.read = read
        self.total = total


def thread_copies(rt: Runtime) -> ThreadCopies:
    """The store of threads as read so far, kept as long as sessions are."""
    return ThreadCopies(rt.redis, rt.store.ttl)


def read_paced(rt: Runtime, session: Session, max_messages: int, *, may_pause: bool = True) -> ThreadCopy:
    """Read the thread's pages not read yet; raise ReadPaused when Slack wants the next one later (or, when
    may_pause is False, return the copy as it stands: events keep its edits and deletions current)."""
    copies, tier = thread_copies(rt), rt.settings.techspec_slack_read_tier
    copy, _ = copies.update(session.key, lambda c: pacing.begin(c, tier))
    while not copy.complete:
        if len(copy.messages) >= max_messages:
            copy, _ = copies.update(session.key, pacing.cap)
            break
        copy, wait = _next_page(rt, session, copies, copy)
        if wait <= 0:
            continue
        if not may_pause:
            return copy
        log.info("reading paused by Slack's rate tier", extra={"session": session.key, "wait": round(wait, 1)})
        raise ReadPaused(wait, pacing.read_count(copy), copy.total)
    if not pacing.is_limited(copy, tier):
        # At the standard tier the next read reads the whole thread again: nothing is kept once this one is done.
        copies.delete(session.key)
    if session.paused_until is not None:  # no longer waiting for Slack (bot.flow.intake tells people so)
        rt.store.update(session.key, lambda s: setattr(s, "paused_until", None))
    return copy


def _next_page(rt: Runtime, session: Session, copies: ThreadCopies, copy: ThreadCopy) -> tuple[ThreadCopy, float]:
    """Read the next page into the copy when Slack allows it now: (the copy, 0), else (the copy, seconds to wait)."""
    tier = rt.settings.techspec_slack_read_tier
    wait = pacing.wait_before_call(copy, tier, time.time())
    if wait > 0:
        return copy, wait  # a window after the last page: no call Slack would only refuse
    limit = pacing.page_size(copy, tier)
    cursor, oldest = copy.cursor or None, copy.oldest or None
    try:
        page = rt.slack.read_page(session.channel_id, session.thread_ts, limit=limit, cursor=cursor, oldest=oldest)
    except SlackRateLimitedError as exc:
        now, wait = time.time(), exc.retry_after
        copy, _ = copies.update(session.key, lambda c: pacing.refused(c, wait, tier, now))
        return copy, max(wait, 0.1)
    now = time.time()
    copy, _ = copies.update(session.key, lambda c: pacing.absorb(c, page.messages, page.next_cursor, limit, tier, now))
    show_progress(rt, session, copy, tier)
    return copy, 0.0


def show_progress(rt: Runtime, session: Session, copy: ThreadCopy, tier: pacing.Tier) -> None:
    """At the slow tier, say in the status line how far the read is and how long the rest takes (one
    chat.update a page, far within chat.update's Tier 3)."""
    if copy.complete or not session.status_ts or copy.total is None or not pacing.is_limited(copy, tier):
        return
    text = texts.status_reading_paced(copy.total, pacing.read_count(copy), pacing.seconds_left(copy))
    rt.slack.update(session.channel_id, session.status_ts, text)
