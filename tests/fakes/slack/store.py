"""Per-channel message storage indexed for O(log n + page) thread and history reads."""

from __future__ import annotations

import copy
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Channel:
    """A conversation and its messages: every message by ts, plus sorted ts lists per thread."""

    id: str
    name: str
    members: list[str] = field(default_factory=list)
    is_private: bool = False
    is_archived: bool = False
    is_im: bool = False
    created: int = 0
    msgs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Channel timeline: top-level messages plus thread_broadcast replies, sorted by ts.
    top: list[str] = field(default_factory=list)
    # Thread root ts -> sorted reply ts. Sorted lists keep pagination a bisect + slice.
    replies: dict[str, list[str]] = field(default_factory=dict)
    pins: list[str] = field(default_factory=list)
    # Slack Connect / org-shared: every team that has this conversation, the host first (empty: only one).
    teams: list[str] = field(default_factory=list)
    ext_shared: bool = False  # shared with another organisation

    @property
    def channel_type(self) -> str:
        """The `channel_type` Slack puts on message events for this conversation."""
        if self.is_im:
            return "im"
        return "group" if self.is_private else "channel"

    def is_member(self, user: str) -> bool:
        """Whether `user` belongs to the conversation."""
        return user in self.members

    def add(self, msg: dict[str, Any]) -> None:
        """Store a message, indexing it under its thread and refreshing the root's reply summary."""
        ts = msg["ts"]
        self.msgs[ts] = msg
        root = msg.get("thread_ts")
        if root and root != ts:
            insort(self.replies.setdefault(root, []), ts)
            self._note_reply(root, msg)
            if msg.get("subtype") == "thread_broadcast":
                insort(self.top, ts)
        else:
            insort(self.top, ts)

    def _note_reply(self, root_ts: str, reply: dict[str, Any]) -> None:
        # Incremental update (not a recount) so appending to a 5,000-message thread stays cheap.
        root = self.msgs.get(root_ts)
        if root is None:
            return
        reply["parent_user_id"] = root.get("user")
        users = root.get("reply_users", [])
        if reply.get("user") and reply["user"] not in users:
            users = [*users, reply["user"]]  # replace, never mutate: readers may hold the old list
        root.update(
            thread_ts=root_ts,
            reply_count=len(self.replies[root_ts]),
            reply_users=users,
            reply_users_count=len(users),
            latest_reply=self.replies[root_ts][-1],
        )

    def root_of(self, ts: str) -> str | None:
        """The root ts of the thread containing `ts` (itself for top-level messages), None if unknown."""
        msg = self.msgs.get(ts)
        if msg is None:
            return None
        return msg.get("thread_ts") or ts

    def is_root(self, ts: str) -> bool:
        """Whether `ts` is a stored top-level message (a valid thread parent)."""
        msg = self.msgs.get(ts)
        return msg is not None and msg.get("thread_ts", ts) == ts

    def get(self, ts: str) -> dict[str, Any] | None:
        """A deep copy of the stored message (safe to hand out), or None."""
        msg = self.msgs.get(ts)
        return copy.deepcopy(msg) if msg is not None else None

    def peek(self, ts: str) -> dict[str, Any] | None:
        """A shallow copy for API answers; nested values are never mutated in place, only replaced."""
        msg = self.msgs.get(ts)
        return dict(msg) if msg is not None else None

    def remove(self, ts: str) -> dict[str, Any]:
        """Delete a message; a root that still has replies becomes a tombstone, as in Slack."""
        msg = self.msgs[ts]
        root = msg.get("thread_ts")
        if root and root != ts:
            self._remove_reply(root, ts)
        elif self.replies.get(ts):
            self.msgs[ts] = {
                "type": "message",
                "subtype": "tombstone",
                "hidden": True,
                "user": "USLACKBOT",
                "text": "This message was deleted.",
                "ts": ts,
                "thread_ts": ts,
                **{k: msg[k] for k in ("reply_count", "reply_users", "reply_users_count", "latest_reply")},
            }
            return msg
        else:
            del self.msgs[ts]
            self.top.pop(bisect_left(self.top, ts))
            self.replies.pop(ts, None)
        if ts in self.pins:
            self.pins.remove(ts)
        return msg

    def _remove_reply(self, root_ts: str, ts: str) -> None:
        del self.msgs[ts]
        replies = self.replies[root_ts]
        replies.pop(bisect_left(replies, ts))
        if ts in self.top:
            self.top.remove(ts)
        if ts in self.pins:
            self.pins.remove(ts)
        root = self.msgs.get(root_ts)
        if root is None:
            return
        if not replies:
            for key in ("reply_count", "reply_users", "reply_users_count", "latest_reply"):
                root.pop(key, None)
            return
        # Deletions are rare, so an O(thread) recount is fine here.
        users = list(dict.fromkeys(self.msgs[r].get("user") for r in replies if self.msgs[r].get("user")))
        root.update(reply_count=len(replies), reply_users=users, reply_users_count=len(users), latest_reply=replies[-1])

    def thread_window(self, root_ts: str, oldest: str | None, latest: str | None, inclusive: bool) -> tuple[int, int]:
        """Index range [lo, hi) of the root's replies that fall inside the oldest/latest bounds."""
        replies = self.replies.get(root_ts, [])
        lo, hi = 0, len(replies)
        if oldest:
            lo = (bisect_left if inclusive else bisect_right)(replies, oldest)
        if latest:
            hi = (bisect_right if inclusive else bisect_left)(replies, latest)
        return lo, max(lo, hi)

    def ordered(self) -> list[dict[str, Any]]:
        """Copies of every stored message (roots and replies) in ts order."""
        return [copy.deepcopy(self.msgs[ts]) for ts in sorted(self.msgs)]
