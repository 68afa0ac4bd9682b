"""People's display names, cached in Redis so a thread costs one users.info per new author."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import redis

from bot.slack.gateway import SlackGateway
from bot.store.sessions import PREFIX

NAME_TTL_SECONDS = 24 * 3600


def name_key(user_id: str) -> str:
    """Key of one cached display name."""
    return f"{PREFIX}:user:{user_id}"


class UserDirectory:
    """Resolves user ids to display names: one MGET, then users.info only for the misses."""

    def __init__(self, connection: redis.Redis, slack: SlackGateway) -> None:
        self.redis = connection
        self.slack = slack

    def names(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Display name per user id (the id itself when Slack does not know it)."""
        ids = sorted(set(user_ids))
        if not ids:
            return {}
        cached = cast(list[bytes | None], self.redis.mget([name_key(u) for u in ids]))
        names = {u: v.decode() for u, v in zip(ids, cached, strict=True) if v is not None}
        missing = [u for u in ids if u not in names]
        if missing:
            fetched = self.slack.user_profiles(missing)
            with self.redis.pipeline(transaction=False) as pipe:
                for user_id, name in fetched.items():
                    pipe.set(name_key(user_id), name, ex=NAME_TTL_SECONDS)
                pipe.execute()
            names.update(fetched)
        return names
