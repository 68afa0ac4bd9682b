"""Admission: who may start a session now, decided and recorded in one Lua script (atomic, with TTLs).

Three sorted sets of active sessions (per person, channel and workspace; member: session key, score:
when the slot frees by itself) and one of a person's recent starts. A start is admitted only if every
limit allows it, and then recorded in all four at once; a session leaving the active phases frees its
slots inside the same MULTI that moves it (SessionStore.transition calls hold_or_free).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

import redis
from pydantic import BaseModel

from bot.store.keys import SLOT_HOLD_SECONDS, START_WINDOW_SECONDS, notice_key, parse_session_key, slots_key, starts_key

Scope = Literal["user", "channel", "team", "hourly"]
SCOPES: tuple[Scope, ...] = ("user", "channel", "team", "hourly")

# KEYS: user slots, channel slots, team slots, user starts. ARGV: now, member, hold_until, the three
# active limits, the hourly limit, the window. Returns {0} when admitted, else {scope index (1-4), when
# the earliest slot or start frees (epoch seconds), how many hold it}.
_ADMIT = """
local now, member, hold = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local window = tonumber(ARGV[8])
for i = 1, 3 do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
  -- A slot taken over a minute ago whose session record is gone (never created after a storage error,
  -- deleted, expired) frees at once. (Session keys are read undeclared: fine on one Redis, not a cluster.)
  for _, held in ipairs(redis.call('ZRANGEBYSCORE', KEYS[i], '-inf', hold - 60)) do
    if redis.call('EXISTS', held) == 0 then redis.call('ZREM', KEYS[i], held) end
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - window)
for i = 1, 3 do
  local count = redis.call('ZCARD', KEYS[i])
  if not redis.call('ZSCORE', KEYS[i], member) and count >= tonumber(ARGV[3 + i]) then
    local first = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
    return {i, first[2], count}
  end
end
local starts = redis.call('ZCARD', KEYS[4])
if starts >= tonumber(ARGV[7]) then
  local first = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
  return {4, tostring(tonumber(first[2]) + window), starts}
end
for i = 1, 3 do
  redis.call('ZADD', KEYS[i], hold, member)
  redis.call('EXPIRE', KEYS[i], math.ceil(hold - now) + 60)
end
redis.call('ZADD', KEYS[4], now, member .. '@' .. ARGV[1])
redis.call('EXPIRE', KEYS[4], window + 60)
return {0}
"""


class Limits(BaseModel):
    """The admission limits (from settings)."""

    per_user: int
    per_channel: int
    per_team: int
    per_user_hour: int


@dataclass(frozen=True)
class Refusal:
    """Why a start was refused and when it can be tried again (epoch seconds; the latest it frees)."""

    scope: Scope
    retry_at: float
    held: int


def slot_keys(team_id: str, channel_id: str, user_id: str) -> list[str]:
    """The three active-slot sets a session of this person in this channel counts in."""
    return [slots_key("user", team_id, user_id), slots_key("channel", team_id, channel_id), slots_key("team", team_id)]


class Admission:
    """Admits session starts against the limits and frees slots."""

    def __init__(self, connection: redis.Redis, limits: Limits) -> None:
        self.redis = connection
        self.limits = limits
        self._admit = connection.register_script(_ADMIT)

    def admit(self, session_key: str, user_id: str, now: float) -> Refusal | None:
        """Take the session's slots if every limit allows; the Refusal when one does not."""
        ref = parse_session_key(session_key)
        keys = [*slot_keys(ref.team_id, ref.channel_id, user_id), starts_key(ref.team_id, user_id)]
        lim = self.limits
        args: list[str | float] = [now, session_key, now + SLOT_HOLD_SECONDS, lim.per_user, lim.per_channel]
        args += [lim.per_team, lim.per_user_hour, START_WINDOW_SECONDS]
        result = cast(list[Any], self._admit(keys=keys, args=args))
        if int(result[0]) == 0:
            return None
        return Refusal(scope=SCOPES[int(result[0]) - 1], retry_at=float(result[1]), held=int(result[2]))

    def would_refuse(self, team_id: str, channel_id: str, user_id: str, now: float) -> Refusal | None:
        """A read-only look at the limits (nothing taken), for a start that must post before it can be admitted."""
        keys = [*slot_keys(team_id, channel_id, user_id), starts_key(team_id, user_id)]
        lim = self.limits
        with self.redis.pipeline(transaction=False) as pipe:
            for key in keys[:3]:
                pipe.zcount(key, f"({now}", "+inf")
            pipe.zcount(keys[3], f"({now - START_WINDOW_SECONDS}", "+inf")
            counts = [int(n) for n in pipe.execute()]
        for scope, count, limit in zip(
            SCOPES, counts, (lim.per_user, lim.per_channel, lim.per_team, lim.per_user_hour), strict=True
        ):
            if count >= limit:
                # When exactly is the admission's to say; the look only needs to stop an orphan post.
                return Refusal(
                    scope=scope,
                    retry_at=now + (START_WINDOW_SECONDS if scope == "hourly" else SLOT_HOLD_SECONDS),
                    held=count,
                )
        return None

    def release(self, session_key: str, user_id: str) -> None:
        """Free a session's slots (its start could not be shown, so it never really began)."""
        ref = parse_session_key(session_key)
        with self.redis.pipeline(transaction=True) as pipe:
            for key in slot_keys(ref.team_id, ref.channel_id, user_id):
                pipe.zrem(key, session_key)
            pipe.execute()

    def first_notice(self, team_id: str, user_id: str, reason: str, ttl_seconds: int) -> bool:
        """True for the first refusal of this kind to this person within ttl_seconds (one notice per flood)."""
        return bool(self.redis.set(notice_key(team_id, user_id, reason), "1", nx=True, ex=ttl_seconds))


def hold_or_free(pipe: Any, session_key: str, user_id: str, active: bool, now: float) -> None:
    """Inside a session's MULTI: refresh its slots while it is active, free them once it is not.

    Refreshing re-adds a resumed (failed, then mentioned again) session without a limit check: it was
    admitted when it started.
    """
    ref = parse_session_key(session_key)
    for key in slot_keys(ref.team_id, ref.channel_id, user_id):
        if active:
            pipe.zadd(key, {session_key: now + SLOT_HOLD_SECONDS})
            pipe.expire(key, SLOT_HOLD_SECONDS + 60)
        else:
            pipe.zrem(key, session_key)
