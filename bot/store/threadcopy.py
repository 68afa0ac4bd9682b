"""The thread as read so far, in Redis: redacted messages and where the read stands (bot.spec.pacing).

Kept between the pages of a read paced by Slack's slow tier, and after it, so the next version's read
asks only for what came after it; at the standard tier only while a read is under way (bot.flow.paced).
Edits and deletions of replies (their events) are applied to it, and remembered for pages in flight.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

import redis

from bot.spec.pacing import ThreadCopy
from bot.store.keys import thread_copy_key

T = TypeVar("T")


class ThreadCopies:
    """Each session's copy of its thread, under the session's TTL, changed atomically (WATCH/MULTI)."""

    def __init__(self, connection: redis.Redis, ttl: int) -> None:
        self.redis = connection
        self.ttl = ttl

    def get(self, session_key: str) -> ThreadCopy | None:
        """The stored copy, or None when there is none."""
        raw = cast(bytes | None, self.redis.get(thread_copy_key(session_key)))
        return ThreadCopy.model_validate_json(raw) if raw else None

    def update(self, session_key: str, change: Callable[[ThreadCopy], T]) -> tuple[ThreadCopy, T]:
        """Apply change to the copy (an empty one when there is none), save it, and return it with change's result."""
        key = thread_copy_key(session_key)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = cast(bytes | None, pipe.get(key))
                    copy = ThreadCopy.model_validate_json(raw) if raw else ThreadCopy()
                    result = change(copy)
                    pipe.multi()
                    pipe.set(key, copy.model_dump_json(), ex=self.ttl)
                    pipe.execute()
                    return copy, result
                except redis.WatchError:
                    continue

    def change_existing(self, session_key: str, change: Callable[[ThreadCopy], bool]) -> bool:
        """Apply change to a stored copy only (an edit or a deletion); True when it changed something."""
        key = thread_copy_key(session_key)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = cast(bytes | None, pipe.get(key))
                    if not raw:
                        return False
                    copy = ThreadCopy.model_validate_json(raw)
                    if not change(copy):
                        return False
                    pipe.multi()
                    pipe.set(key, copy.model_dump_json(), keepttl=True)
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue

    def delete(self, session_key: str) -> None:
        """Drop the copy (the next read starts from the first page)."""
        self.redis.delete(thread_copy_key(session_key))
