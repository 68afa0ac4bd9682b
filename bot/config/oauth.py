"""Settings for installing the app in many workspaces (OAuth) rather than with one bot token."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings

from bot.config.checks import PLACEHOLDER, ConfigError, http_url

# The bot scopes of manifest.yaml (a test keeps the two in step): what an OAuth install asks for.
MANIFEST_BOT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "groups:history",
    "mpim:history",
    "channels:read",
    "groups:read",
    "mpim:read",
    "chat:write",
    "commands",
    "files:write",
    "files:read",
    "pins:write",
    "reactions:write",
    "users:read",
)
SLACK_AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"


class OAuthSettings(BaseSettings):
    """OAuth install, encrypted installations and token rotation (README "Distribute to many workspaces")."""

    # Comma-separated Fernet keys (`python -m bot new-key`): the first encrypts, all decrypt, so a key is
    # rotated by putting the new one first. Needed to store bot tokens (OAuth) and workspace model keys.
    techspec_encryption_keys: SecretStr | None = None
    # Both set: OAuth mode (installed per workspace through /slack/install; SLACK_BOT_TOKEN is not used).
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_scopes: str = ",".join(MANIFEST_BOT_SCOPES)
    slack_oauth_authorize_url: str = SLACK_AUTHORIZE_URL
    # Where Slack sends the installer back; unset: the Redirect URL configured in the app's settings.
    slack_redirect_uri: str | None = None
    # A rotating token is refreshed when it expires within this many minutes (Slack's tokens live 12 hours).
    slack_token_rotation_minutes: int = Field(default=120, ge=1, le=600)
    # false: GET /slack/install redirects straight to Slack instead of showing the "Add to Slack" page.
    slack_install_page_enabled: bool = True
    # Where the installer's browser goes after an install (unset: Bolt's own success/failure page).
    slack_install_success_url: str | None = None
    slack_install_failure_url: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_way_to_authorize(cls, data: Any) -> Any:
        # Raised as ConfigError (not ValueError) so it is reported before any other field: pydantic lets it through.
        if not isinstance(data, dict):
            return data
        oauth = bool(data.get("slack_client_id")) and bool(data.get("slack_client_secret"))
        token = data.get("slack_bot_token")
        if not oauth and not token:
            raise ConfigError(
                "SLACK_BOT_TOKEN", "is missing (or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install by OAuth)"
            )
        if oauth and token:
            raise ConfigError(
                "SLACK_BOT_TOKEN",
                "is set together with SLACK_CLIENT_ID/SLACK_CLIENT_SECRET: unset it for OAuth installs, or unset "
                "those two to run with the one bot token",
            )
        return data

    @field_validator("techspec_encryption_keys")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        for position, key in enumerate(encryption_keys(value), start=1):
            try:
                raw = base64.urlsafe_b64decode(key.encode())
            except (binascii.Error, ValueError):
                raw = b""
            if len(raw) != 32:
                raise ValueError(f"key {position} is not a Fernet key: make one with `python -m bot new-key`")
        return value

    @field_validator("slack_client_id", "slack_client_secret")
    @classmethod
    def _real_credential(cls, value: Any) -> Any:
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if text is not None and (PLACEHOLDER.search(text) or not text.strip()):
            raise ValueError("looks like a placeholder from the docs; copy it from the app's Basic Information")
        return value

    @field_validator("slack_scopes")
    @classmethod
    def _scopes(cls, value: str) -> str:
        scopes = [scope.strip() for scope in value.split(",") if scope.strip()]
        if not scopes or any(" " in scope for scope in scopes):
            raise ValueError("must be comma-separated bot scopes like chat:write,commands")
        return ",".join(scopes)

    @field_validator(
        "slack_oauth_authorize_url", "slack_redirect_uri", "slack_install_success_url", "slack_install_failure_url"
    )
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return http_url(value) if value else None

    def oauth_mode(self) -> bool:
        """True when the app is installed per workspace by OAuth (client id and secret set)."""
        return bool(self.slack_client_id and self.slack_client_secret)

    def scope_list(self) -> list[str]:
        """The bot scopes an install asks for."""
        return self.slack_scopes.split(",")

    def require_oauth(self) -> None:
        """Raise ConfigError naming what OAuth mode needs but lacks."""
        if self.oauth_mode() and not self.encryption_key_list():
            raise ConfigError(
                "TECHSPEC_ENCRYPTION_KEYS",
                "is required with SLACK_CLIENT_ID (installations' tokens are stored encrypted)",
            )

    def encryption_key_list(self) -> list[str]:
        """The configured encryption keys, newest first (empty when none is set)."""
        return encryption_keys(self.techspec_encryption_keys) if self.techspec_encryption_keys else []


def encryption_keys(value: SecretStr) -> list[str]:
    """The keys of a comma-separated TECHSPEC_ENCRYPTION_KEYS value."""
    return [key.strip() for key in value.get_secret_value().split(",") if key.strip()]
