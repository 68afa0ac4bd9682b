"""OAuth mode: every request and job runs with its workspace's bot token, refreshed before it expires.

The tenant adapter finds the scope's installation, refreshes a rotating token that expires within
SLACK_TOKEN_ROTATION_MINUTES (under a short Redis lock, so two processes never both spend the refresh
token: Slack accepts each refresh token once), and swaps in Slack clients that use that token. Bolt's
authorize reads installations through the same refreshing store, so the web and the worker rotate alike.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import redis
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.config import Settings
from bot.errors import TechspecError
from bot.slack.client import build_web_client
from bot.slack.files import FileFetcher
from bot.slack.gateway import SlackGateway
from bot.slack.people import UserDirectory
from bot.store.caches import NameCache
from bot.store.crypto import SecretBox
from bot.store.installations import RedisInstallationStore, tenant_of_install
from bot.store.keys import ROTATION_LOCK_SECONDS, parse_tenant_scope, rotation_lock_key

if TYPE_CHECKING:
    from bot.wiring.runtime import Runtime

log = logging.getLogger(__name__)
# Slack clients kept per process, by token digest: enough for every active workspace, bounded for the rest.
CLIENT_CACHE_SIZE = 256


class WorkspaceNotInstalled(TechspecError):
    """The workspace has no installation (never installed, or uninstalled since)."""

    user_message = "techspec isn't installed in this workspace any more. A workspace admin can add it again."
    retryable = False


@dataclass(frozen=True)
class SlackParts:
    """The clients one bot token gets: the gateway, the name lookups and the file downloads."""

    slack: SlackGateway
    files: FileFetcher


class RefreshingInstallationStore(RedisInstallationStore):
    """The installation store, refreshing a token that is about to expire before handing it out.

    Bolt's authorize reads through this, so its own rotation finds the token fresh and never spends the
    refresh token a second time; the refresh goes to SLACK_API_URL through our Web API client.
    """

    def __init__(self, connection: redis.Redis, settings: Settings) -> None:
        super().__init__(connection, SecretBox(settings.encryption_key_list()))
        self.minutes = settings.slack_token_rotation_minutes
        self.rotator = TokenRotator(
            client_id=str(settings.slack_client_id),
            client_secret=settings.slack_client_secret.get_secret_value() if settings.slack_client_secret else "",
            client=build_web_client(None, settings.slack_api_url),
        )

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The installation, its bot token refreshed first when it expires soon."""

        def read() -> Installation | None:
            return RedisInstallationStore.find_installation(
                self,
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                is_enterprise_install=is_enterprise_install,
            )

        found = read()
        if found is None or not self._expiring(found.bot_token_expires_at):
            return found
        tenant = tenant_of_install(found.enterprise_id, found.team_id, found.is_enterprise_install)
        with self.redis.lock(rotation_lock_key(tenant), timeout=ROTATION_LOCK_SECONDS, blocking_timeout=15):
            # Read again under the lock: another process may have refreshed it while this one waited.
            current = read()
            if current is None or not self._expiring(current.bot_token_expires_at):
                return current
            refreshed = self.rotator.perform_token_rotation(
                installation=current, minutes_before_expiration=self.minutes
            )
            if refreshed is None:
                return current
            self.save(refreshed)
            log.info("bot token refreshed", extra={"tenant": tenant})
            return refreshed

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        """The bot, through find_installation so that its token is refreshed the same way."""
        found = self.find_installation(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        return found.to_bot() if found is not None and found.bot_token else None

    def _expiring(self, expires_at: int | None) -> bool:
        return expires_at is not None and expires_at <= time.time() + self.minutes * 60


class TenantInstallations:
    """The tenant adapter of OAuth mode: a runtime's Slack clients become its workspace's."""

    def __init__(self, settings: Settings, connection: redis.Redis) -> None:
        self.settings = settings
        self.store = RefreshingInstallationStore(connection, settings)
        self._clients: OrderedDict[str, SlackParts] = OrderedDict()
        self._lock = threading.Lock()

    def bot_token(self, scope: str) -> str:
        """The scope's current bot token; WorkspaceNotInstalled when it has none."""
        tenant = parse_tenant_scope(scope)
        found = self.store.find_installation(
            enterprise_id=tenant.enterprise_id, team_id=tenant.team_id, is_enterprise_install=tenant.org_install
        )
        if found is None or not found.bot_token:
            raise WorkspaceNotInstalled(f"no installation for scope {scope}")
        return found.bot_token

    def adapt(self, rt: Runtime) -> Runtime:
        """rt with Slack clients using its scope's bot token (rt itself for the process-wide runtime)."""
        if not rt.scope:
            return rt
        parts = self._parts(self.bot_token(rt.scope))
        names = NameCache(rt.redis, self.settings.techspec_name_cache_seconds, scope=rt.scope)
        return replace(rt, slack=parts.slack, users=UserDirectory(names, parts.slack), files=parts.files)

    def _parts(self, token: str) -> SlackParts:
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self._lock:
            parts = self._clients.get(digest)
            if parts is not None:
                self._clients.move_to_end(digest)
                return parts
        api = self.settings.slack_api_url
        parts = SlackParts(
            slack=SlackGateway(build_web_client(token, api), build_web_client(token, api, idempotent_only=True)),
            files=FileFetcher(token, self.settings.slack_file_hosts()),
        )
        with self._lock:
            self._clients[digest] = parts
            while len(self._clients) > CLIENT_CACHE_SIZE:
                self._clients.popitem(last=False)
        return parts
