"""Checks shared by the settings mixins, and the one-line error start-up prints."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Placeholders copied from documentation ("xoxb-...", "<your token>") are never real credentials.
PLACEHOLDER = re.compile(r"\.\.\.|…|[<>]")
PRICE_FIELDS = frozenset({"input", "cached_input", "output"})


class ConfigError(Exception):
    """A required environment variable is missing or malformed."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable} {problem}")
        self.variable = variable
        self.problem = problem

    def one_line(self) -> str:
        """The single line printed when start-up stops."""
        return f"techspec: configuration error: {self.variable} {self.problem}"


def token_shape(value: SecretStr, prefix: str, what: str) -> SecretStr:
    """Check a Slack token's shape without ever echoing it."""
    secret = value.get_secret_value()
    if not secret.startswith(prefix):
        raise ValueError(f"must be {what} starting with {prefix}")
    if PLACEHOLDER.search(secret) or not re.fullmatch(r"[A-Za-z0-9-]+", secret):
        raise ValueError(f"looks like a placeholder, not {what}: copy the real one from the app's settings")
    return value


def http_url(value: str) -> str:
    """The value, if it is an http(s) URL with a host."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http(s) URL like https://host/path/")
    return value


def json_value(text: str, expected: str) -> Any:
    """The parsed JSON text, or a ValueError saying what was expected."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"must be {expected}") from None
