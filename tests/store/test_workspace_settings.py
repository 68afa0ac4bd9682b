"""Workspace settings in a real Redis: stored per workspace, the model key only sealed, forgotten with it."""

from __future__ import annotations

import redis
from pydantic import SecretStr

from bot.config import Settings, WorkspaceSettings
from bot.store.crypto import SecretBox, new_key
from bot.store.forget import Forgetter, Scope
from bot.store.keys import workspace_settings_key
from bot.store.workspace_settings import WorkspaceSettingsStore, open_key, seal_key

KEY = "sk-workspace-secret-0123456789"


def settings(**env: object) -> Settings:
    return Settings(slack_bot_token=SecretStr("xoxb-1-2"), openai_api_key=SecretStr("sk-operator"), **env)  # type: ignore[arg-type]


def test_round_trip_keeps_the_key_only_sealed(redis_conn: redis.Redis) -> None:
    box = SecretBox([new_key()])
    store = WorkspaceSettingsStore(redis_conn)
    chosen = WorkspaceSettings(
        openai_model="m2", openai_base_url="https://models.example.com/v1", api_key_sealed=seal_key(box, KEY)
    )
    store.put("T1", chosen)
    raw = b"".join(redis_conn.get(k) or b"" for k in redis_conn.keys("*"))
    assert KEY.encode() not in raw
    loaded = store.get("T1")
    assert loaded is not None and loaded.openai_model == "m2"
    assert open_key(box, loaded) == KEY
    assert store.get("T2") is None


def test_effective_settings_apply_over_the_defaults() -> None:
    base = settings(techspec_monthly_budget_usd=200.0)
    chosen = WorkspaceSettings(openai_model="m2", monthly_budget_usd=5.0, max_active_per_user=2)
    effective = base.for_workspace(chosen, "sk-own")
    assert effective.openai_model == "m2"
    assert effective.techspec_monthly_budget_usd == 5.0
    assert effective.techspec_max_active_per_user == 2
    assert effective.openai_api_key.get_secret_value() == "sk-own"
    assert effective.techspec_max_active_per_channel == base.techspec_max_active_per_channel
    assert effective.operator_defaults() is base
    assert base.for_workspace(None) is base


def test_own_endpoint_never_gets_the_operators_key() -> None:
    chosen = WorkspaceSettings(openai_base_url="https://elsewhere.example.com/v1")
    effective = settings().for_workspace(chosen)
    assert effective.openai_api_key.get_secret_value() != "sk-operator"


def test_channel_rules() -> None:
    assert WorkspaceSettings().allows_channel("C1")
    assert WorkspaceSettings(channel_mode="allow", channels=["C1"]).allows_channel("C1")
    assert not WorkspaceSettings(channel_mode="allow", channels=["C1"]).allows_channel("C2")
    assert not WorkspaceSettings(channel_mode="deny", channels=["C1"]).allows_channel("C1")


def test_forgetting_a_workspace_deletes_its_settings_only(redis_conn: redis.Redis) -> None:
    store = WorkspaceSettingsStore(redis_conn)
    for scope in ("T1", "T2", "E1.T3"):
        store.put(scope, WorkspaceSettings(openai_model=f"m-{scope}"))
    Forgetter(redis_conn).forget(Scope("T1"))
    Forgetter(redis_conn).forget(Scope("E1.T3"))
    assert store.get("T1") is None and store.get("E1.T3") is None
    assert store.get("T2") is not None
    assert store.delete("T2") and not store.delete("T2")


def test_an_unreadable_record_means_the_defaults(redis_conn: redis.Redis) -> None:
    redis_conn.set(workspace_settings_key("T9"), b'{"channel_mode": "sometimes"}')
    assert WorkspaceSettingsStore(redis_conn).get("T9") is None
