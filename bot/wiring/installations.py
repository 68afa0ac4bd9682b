"""OAuth mode: every request and job runs with its workspace's bot token, refreshed before it expires.

The tenant adapter finds the scope's installation through the refreshing store (bot.wiring.rotation) and
swaps in Slack clients that use its token; a call Slack answers `token_expired` refreshes it and is tried
once more. Bolt's authorize reads installations through the same store, so the web and the worker rotate alike.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import redis

from bot.config import Settings
from bot.slack.client import build_web_client
from bot.slack.files import FileFetcher
from bot.slack.gateway import SlackGateway
from bot.slack.people import UserDirectory
from bot.spec.tenancy import TenantRef, parse_tenant_scope
from bot.store.caches import NameCache
from bot.wiring.rotation import Lookup, RefreshingInstallationStore, WorkspaceNotInstalled

if TYPE_CHECKING:
    from bot.wiring.runtime import Runtime

log = logging.getLogger(__name__)
# Slack clients kept per process, by token digest: enough for every active workspace, bounded for the rest.
CLIENT_CACHE_SIZE = 256


@dataclass(frozen=True)
class SlackParts:
    """The clients one bot token gets: the gateway, the name lookups and the file downloads."""

    slack: SlackGateway
    files: FileFetcher


class TenantInstallations:
    """The tenant adapter of OAuth mode: a runtime's Slack clients become its workspace's."""

    def __init__(self, settings: Settings, connection: redis.Redis) -> None:
        self.settings = settings
        self.store = RefreshingInstallationStore(connection, settings)
        self._clients: OrderedDict[str, SlackParts] = OrderedDict()
        self._lock = threading.Lock()

    def bot_token(self, tenant: TenantRef) -> str:
        """The tenant's current bot token; WorkspaceNotInstalled when it has none (WorkspaceUnavailable when
        it could not be refreshed)."""
        found = self.store.find_fresh(Lookup(tenant.enterprise_id, tenant.team_id, tenant.org_install))
        if found is None or not found.bot_token:
            raise WorkspaceNotInstalled("no installation for the workspace")
        return found.bot_token

    def adapt(self, rt: Runtime) -> Runtime:
        """rt with Slack clients using its scope's bot token (rt itself for the process-wide runtime)."""
        if not rt.scope:
            return rt
        tenant = parse_tenant_scope(rt.scope)
        parts = self._parts(self.bot_token(tenant), tenant)
        names = NameCache(rt.redis, self.settings.techspec_name_cache_seconds, scope=rt.scope)
        return replace(rt, slack=parts.slack, users=UserDirectory(names, parts.slack), files=parts.files)

    def _parts(self, token: str, tenant: TenantRef) -> SlackParts:
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self._lock:
            parts = self._clients.get(digest)
            if parts is not None:
                self._clients.move_to_end(digest)
                return parts
        api = self.settings.slack_api_url

        def renewed(failed: str) -> str | None:
            return self.store.refresh_expired(tenant, failed)

        parts = SlackParts(
            slack=SlackGateway(
                build_web_client(token, api, on_token_expired=renewed),
                build_web_client(token, api, idempotent_only=True, on_token_expired=renewed),
            ),
            files=FileFetcher(token, self.settings.slack_file_hosts()),
        )
        with self._lock:
            self._clients[digest] = parts
            while len(self._clients) > CLIENT_CACHE_SIZE:
                self._clients.popitem(last=False)
        return parts
