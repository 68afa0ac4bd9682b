"""Each bad configuration stops the process with exactly one line naming the setting (the real processes)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from bot.store.crypto import new_key
from tests.e2e.conftest import BOT_TOKEN, MODEL_KEY, SIGNING_SECRET, start_emulators
from tests.fakes.model import ModelEmulator
from tests.fakes.slack import SlackEmulator
from tests.support.redis_server import free_port

README_PLACEHOLDERS = {"SLACK_BOT_TOKEN": "xoxb-...", "SLACK_APP_TOKEN": "xapp-...", "OPENAI_API_KEY": "sk-..."}


@pytest.fixture(scope="module")
def emulators() -> Iterator[tuple[SlackEmulator, ModelEmulator]]:
    slack, model = start_emulators()
    yield slack, model
    slack.stop()
    model.stop()


@pytest.fixture(scope="module")
def busy_port() -> Iterator[int]:
    """A port something already listens on."""
    with socket.socket() as listener:
        listener.bind(("0.0.0.0", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def good_env(slack: SlackEmulator, model: ModelEmulator, redis_url: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "NO_PROXY": "127.0.0.1,localhost",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "OPENAI_API_KEY": MODEL_KEY,
        "OPENAI_BASE_URL": model.base_url,
        "REDIS_URL": redis_url,
        "PORT": str(free_port()),
    }


# OAuth mode with the emulator's app credentials (tests/fakes/slack/emulator.py).
OAUTH = {
    "SLACK_BOT_TOKEN": "",
    "SLACK_CLIENT_ID": "1111111111.2222222222",
    "SLACK_CLIENT_SECRET": "emulated-client-secret",
    "TECHSPEC_ENCRYPTION_KEYS": new_key(),
}
# (process, changes to a working environment, the setting the one line must name, words it must contain)
CASES = [
    ("web", {"REDIS_URL": "localhost:6379"}, "REDIS_URL", "redis://"),
    ("web", {"REDIS_URL": "redis://localhost:port/0"}, "REDIS_URL", "redis://"),  # gunicorn used to print 147 lines
    ("run", {"REDIS_URL": "redis://127.0.0.1:1/0"}, "REDIS_URL", "cannot be reached"),
    ("worker", {"TECHSPEC_MODEL_TOKEN_BUDGETS": "gpt-4.1=400000"}, "TECHSPEC_MODEL_TOKEN_BUDGETS", "JSON"),
    ("worker", {"TECHSPEC_JOB_RETRY_INTERVALS": "5,soon"}, "TECHSPEC_JOB_RETRY_INTERVALS", "5,30"),
    ("worker", {"TECHSPEC_LOG_LEVEL": "verbose"}, "TECHSPEC_LOG_LEVEL", "INFO"),
    ("web", {"PORT": "{busy}"}, "PORT", "already in use"),
    ("run", {"PORT": "{busy}"}, "PORT", "already in use"),
    ("run", {"SLACK_APP_TOKEN": "xapp-1-A0-123-rejected"}, "SLACK_APP_TOKEN", "rejected by Slack"),
    ("run", README_PLACEHOLDERS, "SLACK_BOT_TOKEN", "placeholder"),
    ("worker", {"TECHSPEC_TEMPLATES_DIR": "/nonexistent/templates"}, "TECHSPEC_TEMPLATES_DIR", "existing directory"),
    ("web", {"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL", "http"),
    ("worker", {"OPENAI_BASE_URL": "localhost:11434/v1"}, "OPENAI_BASE_URL", "http"),
    ("worker", {"SLACK_BOT_TOKEN": "xoxb-revoked-token"}, "SLACK_BOT_TOKEN", "rejected by Slack"),
    ("worker", {"OPENAI_API_KEY": "sk-wrong-key"}, "OPENAI_API_KEY", "rejected by the model endpoint"),
    ("worker", {"TECHSPEC_METRICS_PORT": "{busy}"}, "TECHSPEC_METRICS_PORT", "already in use"),
    ("socket", {"SLACK_APP_TOKEN": ""}, "SLACK_APP_TOKEN", "required"),
    ("web", {"TECHSPEC_REDIS_SSL_CERT_REQS": "maybe"}, "TECHSPEC_REDIS_SSL_CERT_REQS", "none"),
    ("worker", {**OAUTH, "SLACK_CLIENT_SECRET": "wrong-secret"}, "SLACK_CLIENT_SECRET", "rejected by Slack"),
    ("web", {**OAUTH, "SLACK_CLIENT_ID": "999.999"}, "SLACK_CLIENT_ID", "rejected by Slack"),
]


@pytest.mark.parametrize(("mode", "changes", "variable", "words"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_bad_configuration_is_one_line_naming_the_setting(
    emulators: tuple[SlackEmulator, ModelEmulator],
    redis_url: str,
    busy_port: int,
    mode: str,
    changes: dict[str, str],
    variable: str,
    words: str,
) -> None:
    slack, model = emulators
    env = good_env(slack, model, redis_url)
    env.update({k: v.replace("{busy}", str(busy_port)) for k, v in changes.items()})
    env = {k: v for k, v in env.items() if v != ""}
    result = subprocess.run(
        [sys.executable, "-m", "bot", mode], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    lines = [line for line in result.stderr.splitlines() if line.strip() and '"level": "' not in line]
    assert result.returncode == 2, result.stderr[-3000:]
    assert len(lines) == 1, result.stderr[-3000:]
    assert lines[0].startswith(f"techspec: configuration error: {variable} "), lines[0]
    assert words in lines[0]
    for secret in ("xoxb-revoked-token", "sk-wrong-key", "xapp-1-A0-123-rejected", "wrong-secret"):
        assert secret not in result.stderr
