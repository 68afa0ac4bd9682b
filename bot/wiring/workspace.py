"""The tenant adapter applying a workspace admin's settings: model, endpoint and key, template, limits.

Each process reads a workspace's settings at most every TECHSPEC_WORKSPACE_SETTINGS_SECONDS, so a change
on the Home tab reaches every web and worker process within seconds without any message between them.
Model clients are kept per (endpoint, model, key digest): sessions of a workspace reuse the connection
pool and the negotiated structured mode, and two workspaces never share a client with different keys.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING

import redis

from bot.config import Settings, WorkspaceSettings
from bot.llm.client import ModelClient
from bot.llm.endpoints import EndpointRefused, check_endpoint
from bot.store.crypto import SecretBox, SecretUnreadable
from bot.store.limits import Admission, Limits
from bot.store.workspace_settings import WorkspaceSettingsStore, open_key

if TYPE_CHECKING:
    from bot.wiring.runtime import Runtime

log = logging.getLogger(__name__)
# Sent when a workspace's stored key cannot be opened: its endpoint refuses the calls (and the log says
# why) rather than the bot quietly sending that workspace's threads somewhere its admin did not choose.
UNREADABLE_KEY = "unreadable"  # noqa: S105 - a marker, not a credential
MAX_CLIENTS = 64
# Where a refused endpoint's calls go instead: `.invalid` never resolves (RFC 2606), so nothing is sent.
REFUSED_ENDPOINT = "https://endpoint-refused.invalid/v1"


class WorkspaceAdapter:
    """Runtime -> the same runtime with the workspace's effective settings (see bot.wiring.runtime)."""

    def __init__(self, settings: Settings, connection: redis.Redis) -> None:
        self.store = WorkspaceSettingsStore(connection)
        self.box = SecretBox(settings.encryption_key_list()) if settings.encryption_key_list() else None
        self.ttl = settings.techspec_workspace_settings_seconds
        self._cache: dict[str, tuple[float, WorkspaceSettings | None]] = {}
        self._clients: dict[tuple[object, ...], ModelClient] = {}
        self._lock = threading.Lock()

    def __call__(self, rt: Runtime) -> Runtime:
        """rt as rt.scope's workspace sees it (rt itself when the workspace chose nothing)."""
        workspace = self.load(rt.scope) if rt.scope else None
        if workspace is None:
            return rt
        settings = rt.settings.for_workspace(workspace, self._key(rt.scope, workspace))
        tenant = replace(rt, settings=settings, workspace=workspace)
        limits = limits_of(settings)
        if limits != rt.admission.limits:
            tenant.admission = Admission(rt.redis, limits)
        if _model_of(settings) != _model_of(rt.settings):
            tenant._model, tenant._model_pid = self._client(tenant, "main"), os.getpid()
            tenant._quick_model, tenant._quick_model_pid = self._client(tenant, "quick"), os.getpid()
        return tenant

    def load(self, scope: str) -> WorkspaceSettings | None:
        """The workspace's settings, read from Redis at most every few seconds per process."""
        now = time.monotonic()
        cached = self._cache.get(scope)
        if cached is not None and cached[0] > now:
            return cached[1]
        workspace = self.store.get(scope)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[scope] = (now + self.ttl, workspace)
        return workspace

    def _key(self, scope: str, workspace: WorkspaceSettings) -> str | None:
        if workspace.api_key_sealed is None:
            return None
        if self.box is None:
            log.error("workspace model key stored but TECHSPEC_ENCRYPTION_KEYS is not set", extra={"team": scope})
            return UNREADABLE_KEY
        try:
            return open_key(self.box, workspace)
        except SecretUnreadable:
            log.error("workspace model key unreadable: check TECHSPEC_ENCRYPTION_KEYS", extra={"team": scope})
            return UNREADABLE_KEY

    def _client(self, tenant: Runtime, kind: str) -> ModelClient:
        s = tenant.settings
        digest = hashlib.sha256(s.openai_api_key.get_secret_value().encode()).hexdigest()
        key = (os.getpid(), kind, s.openai_base_url, s.openai_model, digest)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                if len(self._clients) >= MAX_CLIENTS:
                    self._clients.clear()
                tenant = self._still_allowed(tenant)
                if kind == "main":
                    client = tenant._new_client(s.openai_timeout_seconds, s.openai_max_retries)
                else:
                    timeout = min(s.techspec_attribution_timeout_seconds, s.openai_timeout_seconds)
                    client = tenant._new_client(timeout, 1)
                self._clients[key] = client
        return client

    def _still_allowed(self, tenant: Runtime) -> Runtime:
        """tenant, or (fail closed) the same with an endpoint that never resolves when the admin's endpoint
        now resolves somewhere it may not (a DNS change since it was saved)."""
        s, operator = tenant.settings, tenant.settings.operator_defaults()
        if s.openai_base_url is None or s.openai_base_url == operator.openai_base_url:
            return tenant
        try:
            check_endpoint(
                s.openai_base_url,
                allow_http=s.techspec_workspace_allow_http,
                allow_private=s.techspec_workspace_allow_private_endpoints,
            )
        except EndpointRefused as exc:
            log.error("workspace model endpoint refused", extra={"team": tenant.scope, "error": str(exc)})
            return replace(tenant, settings=s.model_copy(update={"openai_base_url": REFUSED_ENDPOINT}))
        return tenant


def _model_of(settings: Settings) -> tuple[object, ...]:
    return (settings.openai_base_url, settings.openai_model, settings.openai_api_key.get_secret_value())


def limits_of(settings: Settings) -> Limits:
    """The admission limits the (effective) settings give."""
    return Limits(
        per_user=settings.techspec_max_active_per_user,
        per_channel=settings.techspec_max_active_per_channel,
        per_team=settings.techspec_max_active_per_workspace,
        per_user_hour=settings.techspec_max_starts_per_user_hour,
    )
