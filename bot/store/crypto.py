"""Encryption at rest for the secrets the bot keeps in Redis: installations' tokens, workspaces' model keys."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.errors import TechspecError


class SecretUnreadable(TechspecError):
    """A stored secret could not be decrypted: its key was removed from TECHSPEC_ENCRYPTION_KEYS, or it was altered."""

    user_message = "A stored credential could not be read. Ask the operator to check TECHSPEC_ENCRYPTION_KEYS."
    retryable = False


class SecretBox:
    """Seals and opens secrets with Fernet (AES-128-CBC + HMAC-SHA256).

    The first key seals; every key opens, so an operator rotates by putting a new key first, running
    `reseal`, then dropping the old key.
    """

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    def seal(self, plaintext: str) -> str:
        """The secret, encrypted and authenticated, as URL-safe text."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, sealed: str) -> str:
        """The secret a `seal` call produced; SecretUnreadable when no configured key opens it."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except (InvalidToken, ValueError):
            raise SecretUnreadable("a stored secret could not be decrypted with TECHSPEC_ENCRYPTION_KEYS") from None

    def reseal(self, sealed: str) -> str:
        """The same secret sealed with the first key (after the operator put a new key first)."""
        try:
            return self._fernet.rotate(sealed.encode()).decode()
        except (InvalidToken, ValueError):
            raise SecretUnreadable("a stored secret could not be decrypted with TECHSPEC_ENCRYPTION_KEYS") from None


def new_key() -> str:
    """A fresh key for TECHSPEC_ENCRYPTION_KEYS (what `python -m bot new-key` prints)."""
    return Fernet.generate_key().decode()
