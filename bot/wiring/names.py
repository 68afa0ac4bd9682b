"""Tenant adapter: people's names cached in the tenant's own scope, looked up with its own Slack token.

Runs after the adapter that swaps in the workspace's token (bot/wiring/installations.py), so users.info
is asked with the right installation's token: an org-wide token answers for every workspace of the org.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.slack.people import UserDirectory
from bot.store.caches import NameCache

if TYPE_CHECKING:  # build_runtime (bot.wiring.runtime) lists this adapter: a real import would be a circle
    from bot.wiring.runtime import Runtime


def scoped_names(rt: Runtime) -> Runtime:
    """The runtime with a name cache keyed by its scope (one organisation's names never show in another's)."""
    if not rt.scope:
        return rt
    cache = NameCache(rt.redis, rt.settings.techspec_name_cache_seconds, scope=rt.scope)
    return replace(rt, users=UserDirectory(cache, rt.slack))
