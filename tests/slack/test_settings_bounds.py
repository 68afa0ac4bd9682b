"""What a self-installed workspace's admin may not do: raise the operator's limits, turn the budget off,
run an unoffered (or unpriced) model on the operator's key, or send a stored key to a new endpoint."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.config import Settings, WorkspaceSettings
from bot.flow.settings_checks import Invalid, checked_choice, checked_key, checked_limits
from bot.slack.settings_view import SettingsInput
from bot.store.crypto import SecretBox, new_key


def settings(**env: object) -> Settings:
    return Settings(slack_bot_token=SecretStr("xoxb-1-2"), openai_api_key=SecretStr("sk-operator"), **env)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_user", "4"), ("max_channel", "1000"), ("max_workspace", "100000"), ("max_hour", "11"), ("budget_usd", "0")]
    + [("budget_usd", "201")],
)
def test_without_ceilings_the_operators_own_values_are_the_most(field: str, value: str) -> None:
    with pytest.raises(Invalid) as caught:
        checked_limits(settings(), SettingsInput(numbers={field: value}))
    assert caught.value.block == field


def test_an_admin_may_lower_and_the_operator_may_allow_more() -> None:
    lowered = checked_limits(settings(), SettingsInput(numbers={"max_user": "2", "budget_usd": "50"}))
    assert lowered["max_active_per_user"] == 2 and lowered["monthly_budget_usd"] == pytest.approx(50)
    raised = settings(techspec_workspace_max_active=50, techspec_workspace_max_budget_usd=1000)
    assert (
        checked_limits(raised, SettingsInput(numbers={"max_user": "50", "budget_usd": "900"}))["max_active_per_user"]
        == 50
    )
    # A token budget the operator does not have (0) bounds nothing.
    assert checked_limits(settings(), SettingsInput(numbers={"budget_tokens": "0"}))["monthly_budget_tokens"] == 0


def test_only_offered_and_priced_models_run_on_the_operators_key() -> None:
    with pytest.raises(Invalid, match="gpt-4.1") as caught:
        checked_choice(settings(), WorkspaceSettings(openai_model="o1-pro"))
    assert caught.value.block == "model"
    offered = settings(techspec_workspace_models="gpt-4.1-mini, o1-pro")
    checked_choice(offered, WorkspaceSettings(openai_model="gpt-4.1-mini"))
    with pytest.raises(Invalid, match="no listed price"):
        checked_choice(offered, WorkspaceSettings(openai_model="o1-pro"))
    # Without a USD budget, or on the workspace's own endpoint or key, the operator does not pay for it.
    checked_choice(offered, WorkspaceSettings(openai_model="o1-pro", monthly_budget_usd=0))
    checked_choice(settings(), WorkspaceSettings(openai_model="o1-pro", openai_base_url="https://x.example/v1"))
    checked_choice(settings(), WorkspaceSettings(openai_model="o1-pro", api_key_sealed="sealed"))
    checked_choice(settings(), WorkspaceSettings(openai_model="gpt-4.1"))


def test_a_stored_key_does_not_follow_a_new_endpoint() -> None:
    box = SecretBox([new_key()])
    current = WorkspaceSettings(openai_base_url="https://a.example/v1", api_key_sealed=box.seal("sk-a"))
    assert checked_key(box, SettingsInput(), current, "https://a.example/v1") == current.api_key_sealed
    assert checked_key(box, SettingsInput(), current, "https://evil.example/v1") is None
    assert checked_key(box, SettingsInput(), current, None) is None
    entered = checked_key(box, SettingsInput(api_key="sk-b"), current, "https://b.example/v1")
    assert entered is not None and box.open(entered) == "sk-b"


def test_settings_stored_before_the_ceilings_are_brought_within_them() -> None:
    stored = WorkspaceSettings(
        max_active_per_user=1000, max_starts_per_user_hour=10_000, monthly_budget_usd=0, openai_model="o1-pro"
    )
    effective = settings().for_workspace(stored)
    assert effective.techspec_max_active_per_user == 3 and effective.techspec_max_starts_per_user_hour == 10
    assert effective.techspec_monthly_budget_usd == pytest.approx(200) and effective.openai_model == "gpt-4.1"
    lowered = settings().for_workspace(WorkspaceSettings(max_active_per_user=2, monthly_budget_usd=20))
    assert lowered.techspec_max_active_per_user == 2 and lowered.techspec_monthly_budget_usd == pytest.approx(20)
    own = settings().for_workspace(WorkspaceSettings(openai_model="o1-pro", openai_base_url="https://x.example/v1"))
    assert own.openai_model == "o1-pro"
