"""Session state in Redis: one session per (team, channel, thread root), moved by atomic transitions.

    reading -> awaiting_answers -> writing -> done
       |              |              |
       +--------------+--------------+--> failed (retryable: a new mention resumes it)
    awaiting_answers -> cancelled;  done -> reading (a later mention starts the next version)

Every record is a pydantic model serialised as JSON, with its own key function and a TTL.
Transitions use WATCH/MULTI so two workers or two triggers can never both take the same step.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import cast

import redis
from pydantic import BaseModel, Field

from bot.spec.attribution import Attribution
from bot.spec.records import Question, Reply, SpecSummary
from bot.spec.redaction import redact_text
from bot.spec.schemas import UiPhrases
from bot.store.keys import (
    HISTORY_GRACE_SECONDS,
    attempts_key,
    attributions_key,
    history_key,
    legacy_trigger_key,
    lock_key,
    replies_key,
    session_key,
    thread_copy_key,
    trigger_key,
)
from bot.store.limits import hold_or_free


class Phase(StrEnum):
    """Where a session is in its life."""

    READING = "reading"
    AWAITING_ANSWERS = "awaiting_answers"
    WRITING = "writing"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_PHASES = frozenset({Phase.READING, Phase.AWAITING_ANSWERS, Phase.WRITING})


class Session(BaseModel):
    """The state of one spec request in one thread."""

    team_id: str
    channel_id: str
    thread_ts: str
    version: int = 1
    phase: Phase = Phase.READING
    requested_by: str
    trigger_ts: str
    status_ts: str | None = None
    questions_ts: str | None = None
    questions_posting: bool = False  # set just before posting them, so a rerun looks before posting again
    title: str = ""
    language: str = "English"
    phrases: UiPhrases | None = None
    questions: list[Question] = Field(default_factory=list)
    # Questions past the cap of one readable message: not asked, they go to the spec's Open Questions.
    extra_questions: list[Question] = Field(default_factory=list)
    shown_answered: list[int] = Field(default_factory=list)  # what the questions message shows as answered
    # Mentions with content while the spec was being written: kept for the next version.
    held_for_next: list[str] = Field(default_factory=list)
    write_requested_by: str | None = None
    go_ahead_by: str | None = None
    go_ahead_ts: str | None = None
    failure: str | None = None
    failed_phase: Phase | None = None
    spec_markdown: str | None = None
    spec_comment: str = ""
    file_id: str | None = None
    upload_completed: bool = False
    redacted_count: int = 0
    share_ts: str | None = None
    pinned: bool = False
    pin_error: str | None = None
    # Results and revisions (a version n+1 keeps what it needs of version n).
    spec_summary: SpecSummary | None = None
    summary_ts: str | None = None
    changes_posted: bool = False
    revising: bool = False  # read only what was said since revision_base_ts, with the previous spec
    revision_base_ts: str | None = None
    previous_spec_markdown: str | None = None
    previous_share_ts: str | None = None
    previous_unpinned: bool = False
    # A long thread's condensed earlier part, reused by the write step (keyed by those messages).
    condensed_key: str | None = None
    condensed_notes: str | None = None
    # A read paused by Slack's slow tier holds no lease between pages: it is due again at this time (epoch s).
    paused_until: float | None = None
    created_at: float = Field(default_factory=time.time)
    updated_at: float = Field(default_factory=time.time)

    @property
    def instance(self) -> int:
        """Distinguishes this session from an earlier one in the same thread (job ids include it)."""
        return int(self.created_at * 1000)

    @property
    def key(self) -> str:
        """This session's Redis key."""
        return session_key(self.team_id, self.channel_id, self.thread_ts)


_EXTEND_IF_OWNER = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) end return 0"
)
_DELETE_IF_OWNER = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class TransitionRefused(Exception):
    """The session was not in a phase the transition starts from."""


class SessionStore:
    """Reads and writes sessions and their replies; every write refreshes the TTL."""

    def __init__(
        self, connection: redis.Redis, ttl_seconds: int, history_grace_seconds: int = HISTORY_GRACE_SECONDS
    ) -> None:
        self.redis = connection
        self.ttl = ttl_seconds
        self.history_ttl = ttl_seconds + history_grace_seconds

    def get(self, key: str) -> Session | None:
        """Return the session at key, or None when there is none (or it expired)."""
        raw = cast(bytes | None, self.redis.get(key))
        return Session.model_validate_json(raw) if raw else None

    def create(self, session: Session) -> bool:
        """Store a new session unless one exists; True when this call created it."""
        created = bool(self.redis.set(session.key, session.model_dump_json(), nx=True, ex=self.ttl))
        if created:
            self.redis.set(history_key(session.key), session.phase.value, ex=self.history_ttl)
        return created

    def lookup(self, key: str) -> tuple[Session | None, Phase | None]:
        """The session (None if absent or expired) and the last phase it had, in one round trip."""
        raw, last = cast(list[bytes | None], self.redis.mget([key, history_key(key)]))
        session = Session.model_validate_json(raw) if raw else None
        return session, Phase(last.decode()) if last else None

    def forget_history(self, key: str) -> bool:
        """Drop the expired-session marker; True for the one caller that dropped it (so people are told once)."""
        return bool(self.redis.delete(history_key(key)))

    def delete(self, key: str) -> None:
        """Remove a session that never got going (its start could not be shown in Slack)."""
        self.redis.delete(key, history_key(key), replies_key(key), attributions_key(key), thread_copy_key(key))

    def transition(
        self,
        key: str,
        allowed: Iterable[Phase],
        change: Callable[[Session], None],
    ) -> Session:
        """Atomically apply change to the session if its phase is in allowed; raise TransitionRefused if not."""
        allowed_set = frozenset(allowed)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = cast(bytes | None, pipe.get(key))
                    if not raw:
                        raise TransitionRefused("no session")
                    session = Session.model_validate_json(raw)
                    if session.phase not in allowed_set:
                        raise TransitionRefused(session.phase.value)
                    change(session)
                    session.updated_at = time.time()
                    pipe.multi()
                    pipe.set(key, session.model_dump_json(), ex=self.ttl)
                    if session.phase in (Phase.DONE, Phase.CANCELLED):
                        pipe.delete(replies_key(key))  # the answers are in the spec (or not wanted): keep less
                    else:
                        pipe.expire(replies_key(key), self.ttl)
                    pipe.set(history_key(key), session.phase.value, ex=self.history_ttl)
                    # Fair use: the session's active slots follow its phase in the same MULTI.
                    hold_or_free(pipe, key, session.requested_by, session.phase in ACTIVE_PHASES, session.updated_at)
                    pipe.execute()
                    return session
                except redis.WatchError:
                    continue

    def update(self, key: str, change: Callable[[Session], None]) -> Session:
        """Apply change whatever the phase (for bookkeeping such as a status message's ts)."""
        return self.transition(key, list(Phase), change)

    def claim_trigger(self, scope: str, channel_id: str, message_ts: str, thread_key: str = "1") -> bool:
        """True the first time a tenant sees a triggering message; False for its duplicates. The mark's value
        names the thread's session, so forgetting the thread finds it."""
        # A mark written before marks were per tenant still counts as handled (deployments upgrade while
        # Slack retries); nothing writes that format any more, so it simply expires.
        if self.redis.exists(legacy_trigger_key(channel_id, message_ts)):
            return False
        return bool(self.redis.set(trigger_key(scope, channel_id, message_ts), thread_key, nx=True, ex=self.ttl))

    def release_trigger(self, scope: str, channel_id: str, message_ts: str) -> None:
        """Forget a trigger so a retry of it is handled (used when handling it failed before any effect)."""
        self.redis.delete(trigger_key(scope, channel_id, message_ts), legacy_trigger_key(channel_id, message_ts))

    def next_attempt(self, key: str) -> int:
        """A new number for another try at a session's step (so its job id is not a duplicate)."""
        akey = attempts_key(key)
        with self.redis.pipeline() as pipe:
            pipe.incr(akey)
            pipe.expire(akey, self.ttl)
            count, _ = pipe.execute()
        return int(count)

    def record_reply(self, key: str, reply: Reply) -> None:
        """Store (or replace, for an edit) a reply against the session, its secrets redacted first."""
        rkey = replies_key(key)
        answers = {n: redact_text(text) for n, text in reply.answers.items()} if reply.answers else reply.answers
        stored = reply.model_copy(update={"text": redact_text(reply.text), "answers": answers})
        with self.redis.pipeline() as pipe:
            pipe.hset(rkey, reply.ts, stored.model_dump_json())
            pipe.expire(rkey, self.ttl)
            pipe.execute()

    def answers(self, session: Session) -> list[Reply]:
        """Recorded replies that came after the session's questions message (none before it is posted)."""
        cutoff = float(session.questions_ts or "inf")
        return [r for r in self.replies(session.key) if float(r.ts) > cutoff]

    def remove_reply(self, key: str, ts: str) -> bool:
        """Withdraw a deleted reply; True when there was one."""
        return bool(self.redis.hdel(replies_key(key), ts))

    def replies(self, key: str) -> list[Reply]:
        """All recorded replies, oldest first."""
        raw = cast(dict[bytes, bytes], self.redis.hgetall(replies_key(key)))
        replies = [Reply.model_validate_json(value) for value in raw.values()]
        return sorted(replies, key=lambda r: float(r.ts))

    def attributions(self, key: str, reply_keys: Iterable[str]) -> dict[str, Attribution]:
        """The cached attributions among reply_keys (see bot.spec.attribution.attribution_key)."""
        wanted = list(reply_keys)
        if not wanted:
            return {}
        raw = cast(list[bytes | None], self.redis.hmget(attributions_key(key), wanted))
        return {k: Attribution.model_validate_json(v) for k, v in zip(wanted, raw, strict=True) if v}

    def save_attributions(self, key: str, found: dict[str, Attribution]) -> None:
        """Cache attributions, so a recount never asks the model about the same reply text twice."""
        if not found:
            return
        akey = attributions_key(key)
        with self.redis.pipeline() as pipe:
            pipe.hset(akey, mapping={k: v.model_dump_json() for k, v in found.items()})
            pipe.expire(akey, self.ttl)
            pipe.execute()

    def acquire_lock(self, key: str, owner: str, ttl_seconds: int) -> bool:
        """Take the session's work lease for owner; False while someone else holds it."""
        return bool(self.redis.set(lock_key(key), owner, nx=True, ex=ttl_seconds))

    def refresh_lock(self, key: str, owner: str, ttl_seconds: int) -> bool:
        """Extend the lease if owner still holds it (atomically: never extend someone else's)."""
        return bool(self.redis.eval(_EXTEND_IF_OWNER, 1, lock_key(key), owner, ttl_seconds))

    def lease_ttl(self, key: str) -> float:
        """Seconds left on the session's lease (0 when nobody holds it)."""
        return max(0.0, int(cast(int, self.redis.pttl(lock_key(key)))) / 1000)

    def release_lock(self, key: str, owner: str) -> None:
        """Give the lease back if owner still holds it (atomically: never drop someone else's)."""
        self.redis.eval(_DELETE_IF_OWNER, 1, lock_key(key), owner)
