"""Token rotation: a workspace's bot token refreshed once, by whichever process needs it first.

Slack accepts each refresh token once, so a refresh holds a Redis lock that outlasts the call and reads the
installation again under it: a process that waited finds the token another one just refreshed. The call is
never retried after a 5xx or a dropped connection (Slack may have spent the refresh token already), and the
save is a compare-and-set on the refresh token just spent. A token is refreshed before it expires
(SLACK_TOKEN_ROTATION_MINUTES), and at once when Slack answers `token_expired` anyway. A refresh that fails
makes the workspace unavailable (WorkspaceUnavailable): one log line, and Bolt tells the person.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import redis
from redis.exceptions import LockError
from redis.lock import Lock
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.token_rotation import TokenRotator
from slack_sdk.oauth.token_rotation.rotator import SlackTokenRotationError

from bot.config import Settings
from bot.errors import TechspecError
from bot.slack.client import build_web_client
from bot.spec.tenancy import TenantRef
from bot.store.crypto import SecretBox
from bot.store.installations import RedisInstallationStore, tenant_of_install
from bot.store.keys import (
    rotation_lock_key,
)

log = logging.getLogger(__name__)
# oauth.v2.access for a refresh: each attempt is cut off after ROTATION_CALL_SECONDS, and only a 429 (Slack
# did nothing) is tried again, at most ROTATION_RATE_LIMIT_RETRIES times.
ROTATION_CALL_SECONDS = 20
ROTATION_RATE_LIMIT_RETRIES = 2
# Held while a token is refreshed, so a refresh token is spent once: outlasts the worst case of the call
# (every attempt timing out, plus Retry-After waits of up to a minute each). The save is fenced as well.
ROTATION_RETRY_AFTER_SECONDS = 60
ROTATION_LOCK_SECONDS = (ROTATION_RATE_LIMIT_RETRIES + 1) * (ROTATION_CALL_SECONDS + ROTATION_RETRY_AFTER_SECONDS)
# Minutes that make TokenRotator refresh whatever the token's expiry says (Slack said it expired).
FORCE_MINUTES = 10**7
# How long a process waits for another one's refresh before the workspace counts as unavailable this time.
ROTATION_WAIT_SECONDS = 15
# What makes a refresh fail: Slack refused it (revoked, spent), the lock, or Slack unreachable.
ROTATION_FAILURES = (SlackTokenRotationError, SlackApiError, LockError, OSError)


class WorkspaceNotInstalled(TechspecError):
    """The workspace has no installation (never installed, or uninstalled since)."""

    user_message = "techspec isn't installed in this workspace any more. A workspace admin can add it again."
    retryable = False


class WorkspaceUnavailable(WorkspaceNotInstalled):
    """The workspace's bot token could not be refreshed: it is unusable until it is (or the app is reinstalled)."""

    user_message = (
        "techspec can't use its access to this workspace right now. If this lasts, a workspace admin can "
        "add techspec again (reinstall) to fix it."
    )


@dataclass(frozen=True)
class Lookup:
    """The ids Bolt (or a tenant scope) looks an installation up by."""

    enterprise_id: str | None
    team_id: str | None
    is_enterprise_install: bool | None
    user_id: str | None = None


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
            # Retried on 429 only: after a 5xx or a lost connection Slack may have spent the single-use refresh
            # token already, and a second try would spend it again (the install would be left unusable).
            client=build_web_client(
                None,
                settings.slack_api_url,
                idempotent_only=True,
                timeout=ROTATION_CALL_SECONDS,
                rate_limit_retries=ROTATION_RATE_LIMIT_RETRIES,
            ),
        )

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The installation, its bot token refreshed first when it expires soon; None when that fails (Bolt
        then answers with its "not authorized" message: a 200, so Slack doesn't retry the request)."""
        try:
            return self.find_fresh(Lookup(enterprise_id, team_id, is_enterprise_install, user_id))
        except WorkspaceUnavailable:
            return None

    def find_fresh(self, lookup: Lookup) -> Installation | None:
        """The installation with a usable token; WorkspaceUnavailable (logged once) when a refresh fails."""
        found = self._read(lookup)
        if found is None or not self._expiring(found):
            return found
        return self._rotate(lookup, stale=None)

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        """The bot, through find_installation so that its token is refreshed the same way."""
        found = self.find_installation(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        return found.to_bot() if found is not None and found.bot_token else None

    def refresh_expired(self, tenant: TenantRef, failed_token: str) -> str | None:
        """The token to use after Slack answered token_expired for failed_token (None: there is none)."""
        lookup = Lookup(tenant.enterprise_id, tenant.team_id, tenant.org_install)
        try:
            current = self._rotate(lookup, stale=failed_token)
        except WorkspaceUnavailable:
            return None
        return current.bot_token if current is not None and current.bot_token != failed_token else None

    def _rotate(self, lookup: Lookup, stale: str | None) -> Installation | None:
        """Refresh under the lock: when still expiring (stale None), or while the token is still stale."""
        found = self._read(lookup)
        if found is None or not found.bot_refresh_token:
            return found
        tenant = tenant_of_install(found.enterprise_id, found.team_id, found.is_enterprise_install)
        lock = self.redis.lock(
            rotation_lock_key(tenant), timeout=ROTATION_LOCK_SECONDS, blocking_timeout=ROTATION_WAIT_SECONDS
        )
        try:
            if not lock.acquire():
                raise LockError("another process is still refreshing the token")
            try:
                return self._rotate_locked(lookup, stale)
            finally:
                _release(lock)
        except ROTATION_FAILURES as exc:
            # One line, naming no token; the request or job ends as "workspace unavailable", never retried hot.
            log.warning(
                "bot token could not be refreshed: the workspace is unavailable until it is (reinstall if it lasts)",
                extra={"tenant": tenant, "error_type": type(exc).__name__},
            )
            raise WorkspaceUnavailable("bot token refresh failed") from exc

    def _rotate_locked(self, lookup: Lookup, stale: str | None) -> Installation | None:
        # Read again under the lock: another process may have refreshed it while this one waited.
        current = self._read(lookup)
        if current is None or not (current.bot_token == stale if stale else self._expiring(current)):
            return current
        spent = str(current.bot_refresh_token)
        minutes = FORCE_MINUTES if stale else self.minutes
        refreshed = self.rotator.perform_token_rotation(installation=current, minutes_before_expiration=minutes)
        if refreshed is None:
            return current
        if not self.save_rotated(refreshed, spent):
            # Someone saved a newer pair meanwhile (this lock had expired): theirs stands, and is the latest.
            log.warning("a token refresh finished after another one: the newer token is kept")
            return self._read(lookup)
        log.info("bot token refreshed", extra={"forced": stale is not None})
        return refreshed

    def _read(self, lookup: Lookup) -> Installation | None:
        return RedisInstallationStore.find_installation(
            self,
            enterprise_id=lookup.enterprise_id,
            team_id=lookup.team_id,
            user_id=lookup.user_id,
            is_enterprise_install=lookup.is_enterprise_install,
        )

    def _expiring(self, found: Installation) -> bool:
        expires_at = found.bot_token_expires_at
        return expires_at is not None and expires_at <= time.time() + self.minutes * 60


def _release(lock: Lock) -> None:
    """Let the lock go; one that expired during a slow refresh is already gone (the save was fenced anyway)."""
    try:
        lock.release()
    except LockError:
        log.warning("the token refresh outlasted its lock (ROTATION_LOCK_SECONDS); its save was fenced")
