"""OAuth mode's settings: which token is needed, and one line naming what is missing or conflicting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config.oauth import MANIFEST_BOT_SCOPES
from bot.store.crypto import new_key
from tests.test_config import BASE, run_bot

REPO = Path(__file__).resolve().parents[1]
OAUTH = {
    "PATH": BASE["PATH"],
    "OPENAI_API_KEY": "k",
    "SLACK_CLIENT_ID": "1234.5678",
    "SLACK_CLIENT_SECRET": "client-secret-value",
    "REDIS_URL": "redis://localhost:1/0",
    "SLACK_SIGNING_SECRET": "s",
}


@pytest.mark.parametrize(
    ("mode", "env", "variable", "words"),
    [
        ("web", OAUTH, "TECHSPEC_ENCRYPTION_KEYS", "stored encrypted"),
        ("web", {**OAUTH, "SLACK_BOT_TOKEN": "xoxb-1-2"}, "SLACK_BOT_TOKEN", "together with SLACK_CLIENT_ID"),
        ("web", {**OAUTH, "SLACK_CLIENT_ID": "<your client id>"}, "SLACK_CLIENT_ID", "placeholder"),
        ("web", {**OAUTH, "SLACK_TOKEN_ROTATION_MINUTES": "0"}, "SLACK_TOKEN_ROTATION_MINUTES", "invalid"),
        ("web", {**OAUTH, "SLACK_OAUTH_AUTHORIZE_URL": "slack.com"}, "SLACK_OAUTH_AUTHORIZE_URL", "URL"),
        ("web", {**OAUTH, "SLACK_SCOPES": "chat:write commands"}, "SLACK_SCOPES", "comma-separated"),
        ("web", {k: v for k, v in OAUTH.items() if k != "SLACK_CLIENT_SECRET"}, "SLACK_BOT_TOKEN", "SLACK_CLIENT_ID"),
        (
            "socket",
            {**OAUTH, "TECHSPEC_ENCRYPTION_KEYS": new_key(), "SLACK_APP_TOKEN": "xapp-1-2"},
            "SLACK_APP_TOKEN",
            "web",
        ),
    ],
)
def test_oauth_settings_name_the_variable(mode: str, env: dict[str, str], variable: str, words: str) -> None:
    result = run_bot(mode, env)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"techspec: configuration error: {variable}") and words in lines[0]
    assert "client-secret-value" not in result.stderr


def test_oauth_mode_needs_no_bot_token(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import load_settings

    for name, value in {**OAUTH, "TECHSPEC_ENCRYPTION_KEYS": new_key()}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    settings = load_settings("web")
    assert settings.oauth_mode() and settings.slack_bot_token is None
    assert settings.scope_list() == list(MANIFEST_BOT_SCOPES)


def test_default_scopes_are_the_manifests_bot_scopes() -> None:
    manifest = (REPO / "manifest.yaml").read_text()
    bot_block = manifest.split("    bot:\n", 1)[1].split("settings:", 1)[0]
    scopes = re.findall(r"^\s+- ([a-z_:.]+)", bot_block, flags=re.MULTILINE)
    assert tuple(scopes) == MANIFEST_BOT_SCOPES


def test_reseal_command_reseals_with_the_first_key(redis_url: str) -> None:
    import redis
    from slack_sdk.oauth.installation_store import Installation

    from bot.config.workspaces import WorkspaceSettings
    from bot.store.crypto import SecretBox
    from bot.store.installations import RedisInstallationStore
    from bot.store.workspace_settings import WorkspaceSettingsStore, open_key

    old, newer = new_key(), new_key()
    url = redis_url.rsplit("/", 1)[0] + "/3"
    connection = redis.Redis.from_url(url)
    connection.flushdb()
    RedisInstallationStore(connection, SecretBox([old])).save(
        Installation(team_id="T1", bot_token="xoxb-1", user_id="U1")
    )
    sealed_key = SecretBox([old]).seal("sk-workspace-model-key")
    WorkspaceSettingsStore(connection).put("E1.T2", WorkspaceSettings(api_key_sealed=sealed_key))
    env = {**OAUTH, "REDIS_URL": url, "TECHSPEC_ENCRYPTION_KEYS": f"{newer},{old}"}
    result = run_bot("reseal", env)
    assert result.returncode == 0, result.stderr
    assert "resealed 3 installation records and 1 workspace model keys" in result.stdout, result.stdout
    found = RedisInstallationStore(connection, SecretBox([newer])).find_bot(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-1"
    workspace = WorkspaceSettingsStore(connection).get("E1.T2")
    assert workspace is not None and open_key(SecretBox([newer]), workspace) == "sk-workspace-model-key"
    connection.flushdb()
