"""People's display names: cached names first, then one users.info per name nobody has cached."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from bot.slack.gateway import SlackGateway


class NameStore(Protocol):
    """Where resolved names are kept between threads (bot.store.caches.NameCache)."""

    def get_many(self, user_ids: Sequence[str]) -> dict[str, str]:
        """The known names among user_ids."""
        ...

    def put_many(self, names: Mapping[str, str]) -> None:
        """Remember names."""
        ...


# The most mentioned people a thread's reading looks up in the cache (one MGET); the rest stay as ids.
MENTION_LOOKUP_LIMIT = 1000


class AdminStore(Protocol):
    """Where admin flags are cached (bot.store.caches.AdminFlags)."""

    def get(self, team_id: str, user_id: str) -> bool | None:
        """The cached flag, or None."""
        ...

    def put(self, team_id: str, user_id: str, is_admin: bool) -> None:
        """Remember the flag."""
        ...


class UserDirectory:
    """Resolves user ids to display names: one cache read, then users.info only for the misses."""

    def __init__(self, cache: NameStore, slack: SlackGateway) -> None:
        self.cache = cache
        self.slack = slack

    def names(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Display name per user id (the id itself when Slack does not know it)."""
        ids = sorted(set(user_ids))
        names = self.cache.get_many(ids)
        missing = [u for u in ids if u not in names]
        if missing:
            fetched = self.slack.user_profiles(missing)
            self.cache.put_many(fetched)
            names.update(fetched)
        return names

    def known(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Display names the cache already has for user_ids (no Slack call; used for mentions)."""
        return self.cache.get_many(sorted(set(user_ids))[:MENTION_LOOKUP_LIMIT])

    def is_admin(self, team_id: str, user_id: str, flags: AdminStore, *, fresh: bool = False) -> bool:
        """True for a workspace admin or owner (cached for an hour in flags).

        fresh: ask Slack whatever the cache says (and refresh it), for a decision that changes settings: the
        cache only decides what the Home tab shows.
        """
        cached = None if fresh else flags.get(team_id, user_id)
        if cached is None:
            cached = self.slack.is_workspace_admin(user_id)
            flags.put(team_id, user_id, cached)
        return cached
