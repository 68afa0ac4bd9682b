"""How much of a thread the bot reads: at most so many messages and characters, saying what it left out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class LeftOut(BaseModel):
    """What a bounded reading of a thread did not include."""

    kept: int  # messages read (root first)
    left_out: int  # later messages not read (at least 1)
    last_kept_ts: str
    by: str  # "messages" or "characters": which limit ended the reading


def bound_thread(
    raw: list[dict[str, Any]], max_messages: int, max_chars: int
) -> tuple[list[dict[str, Any]], LeftOut | None]:
    """The thread's first messages within both limits, and what was left out (None when nothing was).

    The root's reply_count tells how long the thread is even when reading stopped early; the earliest
    part is kept because it holds the proposal the spec is about (later answers are recorded as they come).
    """
    if not raw:
        return raw, None
    total = max(len(raw), 1 + int(raw[0].get("reply_count") or 0))
    kept: list[dict[str, Any]] = []
    chars, by = 0, "messages"
    for message in raw[:max_messages]:
        size = len(str(message.get("text") or ""))
        if kept and chars + size > max_chars:
            by = "characters"
            break
        kept.append(message)
        chars += size
    if len(kept) >= total:
        return kept, None
    return kept, LeftOut(kept=len(kept), left_out=total - len(kept), last_kept_ts=str(kept[-1].get("ts", "")), by=by)
