"""Start-up configuration: a missing or malformed variable stops the process with one line naming it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

BASE = {"PATH": os.environ.get("PATH", ""), "SLACK_BOT_TOKEN": "xoxb-1-2", "OPENAI_API_KEY": "k"}


def run_bot(mode: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", mode], env=env, capture_output=True, text=True, timeout=30, check=False
    )


@pytest.mark.parametrize(
    ("mode", "env", "variable"),
    [
        ("web", {"PATH": BASE["PATH"]}, "SLACK_BOT_TOKEN"),
        ("worker", {"PATH": BASE["PATH"], "SLACK_BOT_TOKEN": "xoxb-1"}, "OPENAI_API_KEY"),
        ("web", BASE, "REDIS_URL"),
        ("web", {**BASE, "REDIS_URL": "redis://localhost:1/0"}, "SLACK_SIGNING_SECRET"),
        ("worker", {**BASE, "SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ("run", {**BASE, "SLACK_APP_TOKEN": "xoxb-not-an-app-token"}, "SLACK_APP_TOKEN"),
        ("run", BASE, "SLACK_SIGNING_SECRET"),
        ("web", {**BASE, "REDIS_URL": "redis://localhost:1/0", "SLACK_SIGNING_SECRET": " "}, "SLACK_SIGNING_SECRET"),
        ("worker", {**BASE, "TECHSPEC_ATTRIBUTION_BATCH_SECONDS": "-1"}, "TECHSPEC_ATTRIBUTION_BATCH_SECONDS"),
        ("worker", {**BASE, "TECHSPEC_ATTRIBUTION_TIMEOUT_SECONDS": "0"}, "TECHSPEC_ATTRIBUTION_TIMEOUT_SECONDS"),
    ],
)
def test_missing_or_malformed_variable_is_named_in_one_line(mode: str, env: dict[str, str], variable: str) -> None:
    result = run_bot(mode, env)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert variable in lines[0] and lines[0].startswith("techspec: configuration error")
    assert "xoxp-user-token" not in result.stderr  # a bad secret is never echoed


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TECHSPEC_SLACK_FILE_HOSTS", "https://files.slack.com/path"),
        ("TECHSPEC_SLACK_FILE_HOSTS", "ftp://files.slack.com"),
        ("TECHSPEC_SLACK_FILE_HOSTS", "https://user@evil.example"),
        ("TECHSPEC_SLACK_FILE_HOSTS", " , "),
        ("TECHSPEC_NAME_CACHE_SECONDS", "5"),
        ("TECHSPEC_JOB_FAILURE_SECONDS", "-1"),
        ("TECHSPEC_HISTORY_GRACE_SECONDS", "soon"),
    ],
)
def test_secret_and_retention_settings_are_validated(variable: str, value: str) -> None:
    result = run_bot("worker", {**BASE, "REDIS_URL": "redis://localhost:1/0", variable: value})
    assert result.returncode == 2
    assert variable in result.stderr and result.stderr.startswith("techspec: configuration error")


def test_file_hosts_accept_origins() -> None:
    from bot.config import Settings

    settings = Settings(
        slack_bot_token="xoxb-1",  # type: ignore[arg-type]
        openai_api_key="k",  # type: ignore[arg-type]
        techspec_slack_file_hosts="https://files.slack.com, files.slack-gov.com,http://127.0.0.1:8080",
    )
    assert settings.slack_file_hosts() == ["https://files.slack.com", "files.slack-gov.com", "http://127.0.0.1:8080"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("STRUCTURED_MODE", "xml"),
        ("OPENAI_TEMPERATURE", "3"),
        ("OPENAI_SEED", "-1"),
        ("OPENAI_SERVER_SLOTS", "0"),
        ("TECHSPEC_CONTEXT_WINDOW", "512"),
        ("TECHSPEC_MAX_OUTPUT_TOKENS", "10"),
        ("TECHSPEC_CAPABILITY_TTL_SECONDS", "5"),
        ("TECHSPEC_SLACK_READ_TIER", "slow"),
    ],
)
def test_endpoint_settings_are_validated(variable: str, value: str) -> None:
    env = {**BASE, "REDIS_URL": "redis://localhost:1/0", variable: value}
    result = run_bot("worker", env)
    assert result.returncode == 2 and variable in result.stderr, result.stderr
