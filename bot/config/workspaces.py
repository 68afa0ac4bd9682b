"""Settings bounding what a workspace's admin may choose for their workspace (App Home settings).

`WorkspaceSettings` is what an admin saved (kept in Redis by bot.store.workspace_settings); every field
left unset means "the operator's default", so a change of the environment reaches every workspace that
did not choose otherwise. `WorkspaceDefaults.for_workspace` gives the effective Settings of one workspace.
"""

from __future__ import annotations

import time
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr
from pydantic_settings import BaseSettings

ChannelMode = Literal["all", "allow", "deny"]
# Sent as the key to an admin's own endpoint when they gave none: never the operator's key, which must not
# reach an endpoint the operator did not choose.
NO_KEY = "none"
MAX_CHANNELS = 100
# The active-spec limits an admin may set (WorkspaceSettings field: the most the setting itself allows).
ACTIVE_FIELDS = {"max_active_per_user": 1000, "max_active_per_channel": 10_000, "max_active_per_workspace": 100_000}


class WorkspaceSettings(BaseModel):
    """What one workspace's admins chose; None everywhere means the operator's default."""

    model_config = ConfigDict(extra="ignore")

    openai_model: str | None = Field(default=None, max_length=200)
    openai_base_url: str | None = Field(default=None, max_length=500)
    # Fernet-sealed (bot.store.crypto.SecretBox); the plain key is never stored, logged or shown.
    api_key_sealed: str | None = None
    spec_template: str | None = None
    template_name: str | None = Field(default=None, max_length=200)
    max_active_per_user: int | None = Field(default=None, ge=1)
    max_active_per_channel: int | None = Field(default=None, ge=1)
    max_active_per_workspace: int | None = Field(default=None, ge=1)
    max_starts_per_user_hour: int | None = Field(default=None, ge=1)
    monthly_budget_usd: float | None = Field(default=None, ge=0)
    monthly_budget_tokens: int | None = Field(default=None, ge=0)
    channel_mode: ChannelMode = "all"
    channels: list[str] = Field(default_factory=list, max_length=MAX_CHANNELS)
    updated_by: str | None = None
    updated_at: float = Field(default_factory=time.time)

    def allows_channel(self, channel_id: str) -> bool:
        """True when the bot may work in channel_id (all channels, on the allow-list, or off the deny-list)."""
        if self.channel_mode == "allow":
            return channel_id in self.channels
        if self.channel_mode == "deny":
            return channel_id not in self.channels
        return True

    def overrides(self) -> dict[str, Any]:
        """The settings (Settings field names) this workspace sets, with their values (the key excepted)."""
        mapping = {
            "openai_model": self.openai_model,
            "openai_base_url": self.openai_base_url,
            "techspec_max_active_per_user": self.max_active_per_user,
            "techspec_max_active_per_channel": self.max_active_per_channel,
            "techspec_max_active_per_workspace": self.max_active_per_workspace,
            "techspec_max_starts_per_user_hour": self.max_starts_per_user_hour,
            "techspec_monthly_budget_usd": self.monthly_budget_usd,
            "techspec_monthly_budget_tokens": self.monthly_budget_tokens,
        }
        return {name: value for name, value in mapping.items() if value is not None}


class WorkspaceDefaults(BaseSettings):
    """What workspace admins may override, and within which bounds; the defaults are the other settings."""

    # Ceilings an admin's choice may not exceed. Unset: the operator's own value (an admin may lower it, not
    # raise it: anyone can install the app and becomes admin of their own workspace). With a budget ceiling
    # (or the operator's own budget) above 0, an admin cannot turn their budget off (0) either.
    techspec_workspace_max_budget_usd: float | None = Field(default=None, ge=0)
    techspec_workspace_max_budget_tokens: int | None = Field(default=None, ge=0)
    techspec_workspace_max_active: int | None = Field(default=None, ge=1)
    techspec_workspace_max_starts_per_hour: int | None = Field(default=None, ge=1)
    # Models a workspace may pick while it uses the operator's endpoint and key, comma-separated (unset: only
    # OPENAI_MODEL). With a USD budget on, a model with no listed price is refused there too.
    techspec_workspace_models: str = ""
    # Whether admins may point their workspace at their own model endpoint (off: model name only).
    techspec_workspace_endpoints: bool = True
    # An admin's endpoint must be https on a public address; these lift that for self-hosted set-ups
    # (and tests). Private covers loopback, private, link-local (cloud metadata) and reserved addresses.
    techspec_workspace_allow_http: bool = False
    techspec_workspace_allow_private_endpoints: bool = False
    # Ask the endpoint's /models with the key when an admin saves it (within this many seconds; 0: never).
    # Slack waits 3 s for the modal's answer, so the probe is short.
    techspec_workspace_probe_seconds: float = Field(default=1.5, ge=0, le=2.5)
    # How long a process uses a workspace's settings before reading them again: a change applies within this.
    techspec_workspace_settings_seconds: float = Field(default=5.0, ge=0, le=300)
    techspec_workspace_template_max_bytes: int = Field(default=64_000, ge=1_000, le=1_000_000)
    # The environment's settings a workspace's effective ones were made from (set by for_workspace).
    _operator: Any = PrivateAttr(default=None)

    def workspace_models(self) -> frozenset[str]:
        """The models a workspace may pick on the operator's endpoint and key (always the operator's own)."""
        listed = {name.strip() for name in self.operator_defaults().techspec_workspace_models.split(",")}
        return frozenset(listed - {""} | {str(getattr(self.operator_defaults(), "openai_model", ""))})

    def workspace_ceilings(self) -> dict[str, float | None]:
        """The most an admin may store per WorkspaceSettings field (None: no ceiling; 0 is refused under one)."""
        s, active = self.operator_defaults(), self.operator_defaults().techspec_workspace_max_active
        own = {name: getattr(s, f"techspec_{name}") for name in ACTIVE_FIELDS}
        ceilings: dict[str, float | None] = {
            name: min(active or own[name], most) for name, most in ACTIVE_FIELDS.items()
        }
        ceilings["max_starts_per_user_hour"] = (
            s.techspec_workspace_max_starts_per_hour or getattr(s, "techspec_max_starts_per_user_hour")  # noqa: B009
        )
        usd = s.techspec_workspace_max_budget_usd or getattr(s, "techspec_monthly_budget_usd")  # noqa: B009
        tokens = s.techspec_workspace_max_budget_tokens or getattr(s, "techspec_monthly_budget_tokens")  # noqa: B009
        ceilings["monthly_budget_usd"], ceilings["monthly_budget_tokens"] = usd or None, tokens or None
        return ceilings

    def within_ceilings(self, workspace: WorkspaceSettings, own_key: bool = False) -> WorkspaceSettings:
        """workspace with values stored before today's ceilings brought within them (a budget of 0 under a
        ceiling becomes the ceiling), and a model not offered on the operator's endpoint and key dropped."""
        update: dict[str, Any] = {}
        for name, most in self.workspace_ceilings().items():
            value = getattr(workspace, name)
            if value is not None and most is not None and (value > most or value == 0):
                update[name] = int(most) if isinstance(value, int) else most
        model = workspace.openai_model
        own_model = own_key or workspace.openai_base_url is not None or workspace.api_key_sealed is not None
        if model is not None and not own_model and model not in self.workspace_models():
            update["openai_model"] = None
        return workspace.model_copy(update=update) if update else workspace

    def for_workspace(self, workspace: WorkspaceSettings | None, api_key: str | None = None) -> Self:
        """These settings as the workspace sees them: its choices over the defaults (api_key: its opened key)."""
        if workspace is None:
            return self
        update = self.within_ceilings(workspace, own_key=api_key is not None).overrides()
        if api_key is not None:
            update["openai_api_key"] = SecretStr(api_key)
        elif workspace.openai_base_url is not None:
            update["openai_api_key"] = SecretStr(NO_KEY)
        effective = self.operator_defaults().model_copy(update=update)
        effective._operator = self.operator_defaults()
        return effective

    def operator_defaults(self) -> Self:
        """The settings from the environment, before any workspace's choices."""
        return self._operator if self._operator is not None else self
