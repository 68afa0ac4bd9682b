"""Each workspace's settings (App Home, admins only) in Redis, with the model key stored only sealed."""

from __future__ import annotations

import logging
from typing import cast

import redis
from pydantic import ValidationError

from bot.config.workspaces import WorkspaceSettings
from bot.store.crypto import SecretBox
from bot.store.keys import workspace_settings_key, workspace_settings_pattern

log = logging.getLogger(__name__)


class WorkspaceSettingsStore:
    """Reads and writes one record per workspace (tenant scope)."""

    def __init__(self, connection: redis.Redis) -> None:
        self.redis = connection

    def get(self, scope: str) -> WorkspaceSettings | None:
        """The workspace's settings, or None when its admins never saved any."""
        raw = cast(bytes | None, self.redis.get(workspace_settings_key(scope)))
        if raw is None:
            return None
        try:
            return WorkspaceSettings.model_validate_json(raw)
        except ValidationError:
            # Written by a release that shaped it differently: the workspace runs on the defaults (rather than
            # failing every request) until an admin saves its settings again.
            log.error("workspace settings unreadable: defaults used until an admin saves them", extra={"team": scope})
            return None

    def put(self, scope: str, settings: WorkspaceSettings) -> None:
        """Save the workspace's settings (the key in it is already sealed)."""
        self.redis.set(workspace_settings_key(scope), settings.model_dump_json())

    def delete(self, scope: str) -> bool:
        """Forget the workspace's settings; True when there were some."""
        return bool(self.redis.delete(workspace_settings_key(scope)))


def reseal_workspace_keys(connection: redis.Redis, box: SecretBox) -> int:
    """Seal every workspace's stored model key again with the first key (after a key rotation); how many."""
    store, count = WorkspaceSettingsStore(connection), 0
    for key in connection.scan_iter(match=workspace_settings_pattern(), count=500):
        scope = str(key.decode() if isinstance(key, bytes) else key).split(":", 2)[2]
        settings = store.get(scope)
        if settings is None or settings.api_key_sealed is None:
            continue
        store.put(scope, settings.model_copy(update={"api_key_sealed": box.reseal(settings.api_key_sealed)}))
        count += 1
    return count


def seal_key(box: SecretBox, api_key: str) -> str:
    """The model key as it may be stored."""
    return box.seal(api_key)


def open_key(box: SecretBox, settings: WorkspaceSettings) -> str | None:
    """The workspace's model key (None when it set none); SecretUnreadable when no configured key opens it."""
    return None if settings.api_key_sealed is None else box.open(settings.api_key_sealed)
