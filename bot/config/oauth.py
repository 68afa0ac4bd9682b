"""Settings for installing the app in many workspaces (OAuth) rather than with one bot token."""

from __future__ import annotations

import base64
import binascii

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings


class OAuthSettings(BaseSettings):
    """OAuth install, encrypted installations and token rotation (README "Distribute to many workspaces")."""

    # Comma-separated Fernet keys (`python -m bot new-key`): the first encrypts, all decrypt, so a key is
    # rotated by putting the new one first. Needed to store bot tokens (OAuth) and workspace model keys.
    techspec_encryption_keys: SecretStr | None = None

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

    def encryption_key_list(self) -> list[str]:
        """The configured encryption keys, newest first (empty when none is set)."""
        return encryption_keys(self.techspec_encryption_keys) if self.techspec_encryption_keys else []


def encryption_keys(value: SecretStr) -> list[str]:
    """The keys of a comma-separated TECHSPEC_ENCRYPTION_KEYS value."""
    return [key.strip() for key in value.get_secret_value().split(",") if key.strip()]
