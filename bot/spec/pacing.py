"""Reading a thread at Slack's rate tiers (pure): page sizes, when the next call may go, how long the
rest will take, and the copy of the thread kept between pages, redacted, so no page is read twice.

An app distributed commercially outside the Slack Marketplace reads conversations.replies at one call a
minute per workspace and at most 15 messages a page (Slack's rule since 2025-05-29); internal and
Marketplace apps keep Tier 3 (about 50 calls a minute; we ask for 200 a page). Time to read N messages
at the slow tier: ceil(N / 15) pages, one a window (60 s), so about ceil(N / 15) minutes.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, Field

from bot.spec.redaction import redact

Tier = Literal["auto", "limited", "standard"]
STANDARD_PAGE = 200
LIMITED_PAGE = 15
LIMITED_WINDOW_SECONDS = 60.0
# What the transcript is built from; everything else (blocks, previews, reactions) is not kept.
_MESSAGE_FIELDS = ("ts", "thread_ts", "user", "bot_id", "username", "subtype", "edited", "reply_count")
_FILE_FIELDS = ("id", "name", "title", "mimetype", "filetype", "pretty_type", "mode", "size", "url_private")
_FILE_FLAGS = ("is_external", "hidden_by_limit")
_ATTACHMENT_TEXTS = ("text", "fallback", "title", "pretext")
# Deletions and pending edits remembered per thread: far more than a thread sees while a page is in flight.
EVENTS_KEPT = 1000


class ThreadCopy(BaseModel):
    """What has been read of a thread (redacted), where the read under way stands, and the tier seen."""

    messages: list[dict[str, Any]] = Field(default_factory=list)
    secrets: list[str] = Field(default_factory=list)  # fingerprints of what was redacted, never the values
    cursor: str = ""  # the next page of the read under way ("" before its first page)
    oldest: str = ""  # the `oldest` of the read under way ("": from the start of the thread)
    complete: bool = False  # the last read reached the end of the thread
    total: int | None = None  # messages in the thread: the parent's reply_count + 1, from a first page
    limited: bool = False  # Slack serves this app at the slow tier
    window: float | None = None  # seconds Slack wants between calls, learned from a 429
    last_call: float | None = None  # when the last page arrived (epoch seconds)
    pages: int = 0  # pages read, over every read of this thread
    largest_page: int = 0  # the most messages one page brought (more than 15: not the slow tier)
    # Events seen while pages may be in flight: a page read before a deletion or an edit must not bring the
    # message back, or its old text (ts of deleted messages; redacted text of edits to messages not read yet).
    deleted: list[str] = Field(default_factory=list)
    edits: dict[str, str] = Field(default_factory=dict)

    def last_ts(self) -> str:
        """The newest message's ts ("" when nothing was read)."""
        return max((str(m["ts"]) for m in self.messages), key=float, default="")


def begin(copy: ThreadCopy, tier: Tier) -> None:
    """Start the next read. At the standard tier the whole thread is read again (Slack's thread is the truth:
    an edit or deletion whose event was lost is seen); at the slow tier, after a complete read, only what came
    after its newest message. A read that stopped part-way (paused, or its worker died) goes on where it stopped."""
    if copy.complete and not is_limited(copy, tier):
        for name, field in ThreadCopy.model_fields.items():
            setattr(copy, name, field.get_default(call_default_factory=True))
    elif copy.complete:
        copy.complete, copy.cursor, copy.oldest = False, "", copy.last_ts()


def cap(copy: ThreadCopy) -> None:
    """End the read at the message limit, as the standard reader does: the thread's first messages are what is
    read (bot.spec.bounds says what was left out); a later read of a copy still at the limit reads nothing."""
    copy.complete, copy.cursor, copy.oldest = True, "", ""


def is_limited(copy: ThreadCopy, tier: Tier) -> bool:
    """True when reads must go at the slow tier's pace (set, or seen from Slack's answers)."""
    return tier == "limited" or (tier == "auto" and copy.limited)


def page_size(copy: ThreadCopy, tier: Tier) -> int:
    """The `limit` to ask for: 15 at the slow tier (Slack cuts anything larger), else 200."""
    return LIMITED_PAGE if is_limited(copy, tier) else STANDARD_PAGE


def wait_before_call(copy: ThreadCopy, tier: Tier, now: float) -> float:
    """Seconds until the next call may go: a window after the last one at the slow tier, once the window is
    known (the first 429 tells it; until then the call is simply tried)."""
    if not is_limited(copy, tier) or copy.window is None or copy.last_call is None:
        return 0.0
    return max(0.0, copy.window - (now - copy.last_call))


def absorb(copy: ThreadCopy, raw: list[dict[str, Any]], next_cursor: str, asked: int, tier: Tier, now: float) -> None:
    """Add one page (redacted) to the copy; a page cut short with more to come means the slow tier."""
    first_page = not copy.cursor
    if first_page and raw and raw[0].get("reply_count") is not None:
        copy.total = int(raw[0]["reply_count"]) + 1
    by_ts = {str(m["ts"]): m for m in copy.messages}
    secrets = set(copy.secrets)
    for message in raw:
        if not message.get("ts") or str(message["ts"]) in copy.deleted:
            continue  # deleted while this page was in flight
        kept, found = stored_message(message)
        if kept["ts"] in copy.edits:  # edited while this page was in flight
            kept["text"], kept["edited"] = copy.edits.pop(kept["ts"]), {"ts": kept["ts"]}
        by_ts[kept["ts"]] = kept  # a message read again (the parent, each read) is replaced by its newer self
        secrets |= found
    copy.messages = sorted(by_ts.values(), key=lambda m: float(m["ts"]))
    copy.secrets = sorted(secrets)
    # Slack may answer a little short of `limit` at any tier; cut to the slow tier's 15 with more to come is the sign.
    if tier == "limited" or (tier == "auto" and next_cursor and len(raw) <= LIMITED_PAGE < asked):
        copy.limited = True
    copy.largest_page = max(copy.largest_page, len(raw))
    copy.cursor = next_cursor
    copy.complete = not next_cursor
    copy.oldest = copy.oldest if next_cursor else ""
    copy.last_call = now
    copy.pages += 1


def refused(copy: ThreadCopy, retry_after: float, tier: Tier, now: float) -> None:
    """Slack said 429: the slow tier (at auto, unless a page showed Tier 3), and its window learned from the wait."""
    # A 429 after Slack served a page larger than the slow tier's is Tier 3's own limit, not the slow tier.
    if tier == "limited" or (tier == "auto" and copy.largest_page <= LIMITED_PAGE):
        copy.limited = True
    if copy.last_call is not None and 0 <= now - copy.last_call <= LIMITED_WINDOW_SECONDS:
        learned = min(LIMITED_WINDOW_SECONDS, now - copy.last_call + retry_after)
        copy.window = max(copy.window or 0.0, learned)


def read_count(copy: ThreadCopy) -> int:
    """Messages of the thread read so far (at most the total)."""
    return min(len(copy.messages), copy.total) if copy.total is not None else len(copy.messages)


def seconds_left(copy: ThreadCopy) -> float:
    """About how long the rest of the thread takes at the slow tier: a window a page (0 when it is read)."""
    if copy.total is None:
        return 0.0
    pages = math.ceil(max(0, copy.total - read_count(copy)) / LIMITED_PAGE)
    return pages * (copy.window or LIMITED_WINDOW_SECONDS)


def stored_message(message: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """The message as it may be kept in Redis: only what the transcript uses, secrets redacted (with their
    fingerprints, so the spec can still say how many were redacted)."""
    kept = {name: message[name] for name in _MESSAGE_FIELDS if message.get(name) is not None}
    kept["ts"] = str(message["ts"])
    found: set[str] = set()

    def clean(text: Any) -> str:
        result = redact(str(text or ""))
        found.update(result.fingerprints)
        return result.text

    kept["text"] = clean(message.get("text"))
    files = [
        {
            **{n: clean(f[n]) if n in ("name", "title") else f[n] for n in _FILE_FIELDS if f.get(n) is not None},
            **{n: True for n in _FILE_FLAGS if f.get(n)},
        }
        for f in message.get("files") or []
        if isinstance(f, dict)
    ]
    if files:
        kept["files"] = files
    attachments = [
        {n: clean(a[n]) for n in _ATTACHMENT_TEXTS if a.get(n)}
        for a in message.get("attachments") or []
        if isinstance(a, dict)
    ]
    if any(attachments):
        kept["attachments"] = [a for a in attachments if a]
    return kept, found


def edit(copy: ThreadCopy, ts: str, text: str) -> bool:
    """Apply an edit (already redacted text) to a message in the copy, or keep it for the page that brings
    the message (it may be in flight); False when nothing changed."""
    for message in copy.messages:
        if message["ts"] == ts:
            changed = message["text"] != text or not message.get("edited")
            message["text"], message["edited"] = text, {"ts": ts}
            return changed
    if copy.edits.get(ts) == text:
        return False
    copy.edits = dict(list({**copy.edits, ts: text}.items())[-EVENTS_KEPT:])
    return True


def drop(copy: ThreadCopy, ts: str) -> bool:
    """Remove a deleted message from the copy and remember its ts, so no page read later (or in flight
    now) brings it back; False when nothing changed."""
    before = len(copy.messages)
    copy.messages = [m for m in copy.messages if m["ts"] != ts]
    copy.edits.pop(ts, None)
    if ts in copy.deleted:
        return len(copy.messages) != before
    copy.deleted = [*copy.deleted, ts][-EVENTS_KEPT:]
    return True
