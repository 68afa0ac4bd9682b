"""Installations (OAuth) in Redis: slack_sdk's InstallationStore and OAuthStateStore, tokens sealed at rest.

One record set per tenant: the team id for a workspace install (a Grid workspace's too: team ids are unique
across Slack), the enterprise id for an org-wide install. Bolt looks an event up by (enterprise, team,
is_enterprise_install); an event from any workspace of an org-wide install names that workspace's team
and the org, so the org's record answers it. Only the latest installation is kept (no history): a
reinstall replaces it. Tokens, refresh tokens and webhook URLs are stored only sealed by SecretBox.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any, cast

import redis
from pydantic import BaseModel
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from bot.store.crypto import SecretBox
from bot.store.keys import OAUTH_STATE_TTL_SECONDS, installation_key, installation_pattern, oauth_state_key

log = logging.getLogger(__name__)
# The fields of slack_sdk's Installation and Bot that grant access: never stored in the clear.
SECRET_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token", "incoming_webhook_url")


class SealedRecord(BaseModel):
    """An Installation or Bot as stored: its plain fields, and its secrets sealed."""

    fields: dict[str, Any]
    sealed: dict[str, str] = {}

    @classmethod
    def of(cls, record: Installation | Bot, box: SecretBox) -> SealedRecord:
        """The record with every secret field sealed."""
        values = dict(vars(record))
        sealed = {name: box.seal(str(values.pop(name))) for name in SECRET_FIELDS if values.get(name) is not None}
        for name in SECRET_FIELDS:
            values.pop(name, None)
        return cls(fields=values, sealed=sealed)

    def opened(self, box: SecretBox) -> dict[str, Any]:
        """The record's constructor arguments, secrets opened (SecretUnreadable when no key opens them)."""
        return {**self.fields, **{name: box.open(value) for name, value in self.sealed.items()}}


def tenant_of_install(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> str:
    """The id an installation is stored under: the org's for an org-wide install, else the workspace's."""
    if is_enterprise_install and enterprise_id:
        return enterprise_id
    return team_id or enterprise_id or "-"


class RedisInstallationStore(InstallationStore):
    """slack_sdk's InstallationStore on Redis (bot-scope installs; a user's install is kept beside it)."""

    def __init__(self, connection: redis.Redis, box: SecretBox | None) -> None:
        self.redis = connection
        self.box = box
        self._logger = log

    @property
    def logger(self) -> logging.Logger:
        """The logger slack_sdk's interface asks for."""
        return self._logger

    def save(self, installation: Installation) -> None:
        """Store an installation as the tenant's latest (and its installer's), and its bot."""
        with self.redis.pipeline() as pipe:
            self._write(pipe, installation)
            pipe.execute()

    def save_rotated(self, installation: Installation, spent_refresh_token: str) -> bool:
        """Store a refreshed installation only while the stored refresh token is still the one just spent
        (compare-and-set): a refresh that finished after another one saved never overwrites the newer pair."""
        tenant = tenant_of_install(installation.enterprise_id, installation.team_id, installation.is_enterprise_install)
        watched = [installation_key(tenant, "bot"), installation_key(tenant, "installer")]
        with self.redis.pipeline() as pipe:
            try:
                pipe.watch(*watched)
                stored = self._load(watched[0]) or self._load(watched[1]) or {}
                if stored.get("bot_refresh_token") != spent_refresh_token:
                    return False
                pipe.multi()
                self._write(pipe, installation)
                pipe.execute()
                return True
            except redis.WatchError:
                return False

    def _write(self, pipe: redis.client.Pipeline, installation: Installation) -> None:
        tenant = tenant_of_install(installation.enterprise_id, installation.team_id, installation.is_enterprise_install)
        record = self._seal(installation)
        pipe.set(installation_key(tenant, "installer"), record)
        if installation.user_id:
            pipe.set(installation_key(tenant, "installer", installation.user_id), record)
        bot = installation.to_bot()
        if bot.bot_token is not None:
            pipe.set(installation_key(tenant, "bot"), self._seal(bot))

    def save_bot(self, bot: Bot) -> None:
        """Store the tenant's bot (its token); a bot without a token is not stored."""
        if bot.bot_token is None:
            return
        tenant = tenant_of_install(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        self.redis.set(installation_key(tenant, "bot"), self._seal(bot))

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        """The bot of the workspace, or of the org-wide install covering it."""
        for tenant in _candidates(enterprise_id, team_id, is_enterprise_install):
            fields = self._load(installation_key(tenant, "bot"))
            if fields is not None:
                return Bot(**fields)
        return None

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The latest installation (or user_id's) of the workspace or its org, with the latest bot token."""
        for tenant in _candidates(enterprise_id, team_id, is_enterprise_install):
            fields = self._load(installation_key(tenant, "installer", user_id))
            if fields is None:
                continue
            installation = Installation(**fields)
            bot = self._load(installation_key(tenant, "bot"))
            if bot is not None:  # a rotated bot token is saved on the bot record too: the bot's is the latest
                latest = Bot(**bot)
                for name in ("bot_token", "bot_refresh_token", "bot_token_expires_at", "bot_scopes", "bot_id"):
                    setattr(installation, name, getattr(latest, name))
            return installation
        return None

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Delete the bot of the workspace, or of the org when team_id is None."""
        self.redis.delete(installation_key(tenant_of_install(enterprise_id, team_id, team_id is None), "bot"))

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """Delete one user's installation, or (user_id None) every installation record but the bot."""
        tenant = tenant_of_install(enterprise_id, team_id, team_id is None)
        if user_id is not None:
            self.redis.delete(installation_key(tenant, "installer", user_id))
            return
        bot = installation_key(tenant, "bot")
        keys = [k for k in _scan(self.redis, installation_pattern(tenant)) if k != bot]
        if keys:
            self.redis.delete(*keys)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Delete every installation record of the workspace (or of the org, team_id None)."""
        keys = _scan(self.redis, installation_pattern(tenant_of_install(enterprise_id, team_id, team_id is None)))
        if keys:
            self.redis.delete(*keys)

    def _seal(self, record: Installation | Bot) -> str:
        if self.box is None:
            raise RuntimeError("installations are stored only encrypted: TECHSPEC_ENCRYPTION_KEYS is not set")
        return SealedRecord.of(record, self.box).model_dump_json()

    def _load(self, key: str) -> dict[str, Any] | None:
        raw = cast(bytes | None, self.redis.get(key))
        if raw is None or self.box is None:
            return None
        return SealedRecord.model_validate_json(raw).opened(self.box)


def reseal_installations(connection: redis.Redis, box: SecretBox) -> int:
    """Seal every stored installation's secrets again with the first key (after a key rotation); how many."""
    count = 0
    for key in _scan(connection, installation_pattern("*").replace("\\*", "*")):
        raw = cast(bytes | None, connection.get(key))
        if raw is None:
            continue
        record = SealedRecord.model_validate_json(raw)
        record.sealed = {name: box.reseal(value) for name, value in record.sealed.items()}
        connection.set(key, record.model_dump_json(), keepttl=True)
        count += 1
    return count


def _candidates(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> list[str]:
    """Where an install for these ids may be stored, most specific first: an event from a workspace of an
    org-wide install may come without is_enterprise_install (Slack Connect, older payloads)."""
    first = tenant_of_install(enterprise_id, team_id, is_enterprise_install)
    return [first] + ([enterprise_id] if enterprise_id and enterprise_id != first else [])


def _scan(connection: redis.Redis, pattern: str) -> list[str]:
    return [k.decode() if isinstance(k, bytes) else str(k) for k in connection.scan_iter(match=pattern, count=500)]


class RedisOAuthStateStore(OAuthStateStore):
    """OAuth `state` values: random, single use, valid OAUTH_STATE_TTL_SECONDS (a forged or replayed one fails)."""

    def __init__(self, connection: redis.Redis, ttl_seconds: int = OAUTH_STATE_TTL_SECONDS) -> None:
        self.redis = connection
        self.ttl = ttl_seconds
        self._logger = log

    @property
    def logger(self) -> logging.Logger:
        """The logger slack_sdk's interface asks for."""
        return self._logger

    def issue(self, *args: Any, **kwargs: Any) -> str:
        """A new state, remembered for the TTL."""
        state = secrets.token_urlsafe(32)
        self.redis.set(oauth_state_key(state), "1", ex=self.ttl)
        return state

    def consume(self, state: str) -> bool:
        """True once for a state this store issued within the TTL; False for anything else, and ever after."""
        if not state or len(state) > 200:
            return False
        return bool(self.redis.delete(oauth_state_key(state)))
