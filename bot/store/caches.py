"""Small Redis records beside the sessions: cached display names, recent specs, once-only markers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import redis

from bot.spec.records import RecentSpec
from bot.store.keys import (
    ADMIN_TTL_SECONDS,
    MEMBER_TTL_SECONDS,
    NAME_TTL_SECONDS,
    RECENT_TTL_SECONDS,
    admin_key,
    marker_key,
    name_key,
    recent_key,
)

RECENT_LIMIT = 10


class NameCache:
    """Display names by user id, so a thread costs one users.info per new author (per workspace: scope)."""

    def __init__(self, connection: redis.Redis, ttl_seconds: int = NAME_TTL_SECONDS, scope: str = "") -> None:
        self.redis = connection
        self.ttl = ttl_seconds
        self.scope = scope

    def get_many(self, user_ids: Sequence[str]) -> dict[str, str]:
        """The cached names among user_ids (one MGET)."""
        if not user_ids:
            return {}
        cached = cast(list[bytes | None], self.redis.mget([name_key(u, self.scope) for u in user_ids]))
        return {u: v.decode() for u, v in zip(user_ids, cached, strict=True) if v is not None}

    def put_many(self, names: Mapping[str, str]) -> None:
        """Remember names (one pipeline)."""
        with self.redis.pipeline(transaction=False) as pipe:
            for user_id, name in names.items():
                pipe.set(name_key(user_id, self.scope), name, ex=self.ttl)
            pipe.execute()


class RecentSpecs:
    """Each person's last few specs, newest last, for their App Home tab."""

    def __init__(self, connection: redis.Redis, ttl_seconds: int = RECENT_TTL_SECONDS) -> None:
        self.redis = connection
        self.ttl = ttl_seconds

    def add(self, team_id: str, user_id: str, entry: RecentSpec) -> None:
        """Add an entry (idempotent: the same entry is stored once) and keep only the newest few."""
        key = recent_key(team_id, user_id)
        with self.redis.pipeline() as pipe:
            pipe.zadd(key, {entry.model_dump_json(): entry.created_at})
            pipe.zremrangebyrank(key, 0, -RECENT_LIMIT - 1)
            pipe.expire(key, self.ttl)
            pipe.execute()

    def newest(self, team_id: str, user_id: str) -> list[RecentSpec]:
        """The person's recent specs, newest first."""
        raw = cast(list[bytes], self.redis.zrevrange(recent_key(team_id, user_id), 0, RECENT_LIMIT - 1))
        return [RecentSpec.model_validate_json(item) for item in raw]


class OnceMarkers:
    """Markers that let exactly one of several racing jobs say something (recounts run often, jobs rerun)."""

    def __init__(self, connection: redis.Redis) -> None:
        self.redis = connection

    def first(self, kind: str, session_key: str, *parts: object, ttl_seconds: int) -> bool:
        """True for the one caller that sets this marker first."""
        return bool(self.redis.set(marker_key(kind, session_key, *parts), "1", nx=True, ex=ttl_seconds))


class AdminFlags:
    """Whether a person is a workspace admin or owner, cached for an hour (users.info is asked once)."""

    def __init__(self, connection: redis.Redis) -> None:
        self.redis = connection

    def get(self, team_id: str, user_id: str) -> bool | None:
        """The cached answer, or None when nobody asked within the hour."""
        raw = cast(bytes | None, self.redis.get(admin_key(team_id, user_id)))
        return None if raw is None else raw == b"1"

    def put(self, team_id: str, user_id: str, is_admin: bool) -> None:
        """Remember the answer for an hour."""
        self.redis.set(admin_key(team_id, user_id), "1" if is_admin else "0", ex=ADMIN_TTL_SECONDS)


class Memberships:
    """Whether a person is inside a tenant's organisation (Slack Connect), cached for a day."""

    def __init__(self, connection: redis.Redis) -> None:
        self.redis = connection

    def get(self, scope: str, user_id: str) -> bool | None:
        """The cached answer, or None when nobody looked this person up within the day."""
        raw = cast(bytes | None, self.redis.get(admin_key(scope, user_id, "member")))
        return None if raw is None else raw == b"1"

    def put(self, scope: str, user_id: str, inside: bool) -> None:
        """Remember the answer for a day."""
        self.redis.set(admin_key(scope, user_id, "member"), "1" if inside else "0", ex=MEMBER_TTL_SECONDS)
