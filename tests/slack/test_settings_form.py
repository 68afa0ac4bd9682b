"""The admins' settings form: what it shows, how it is read back, and the operator's bounds on it."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from bot.config import Settings, WorkspaceSettings
from bot.flow.settings_checks import (
    Invalid,
    checked_channels,
    checked_key,
    checked_limits,
    checked_model,
    checked_template,
)
from bot.flow.workspace_admin import changed_fields
from bot.slack.settings_view import SettingsForm, SettingsInput, read_settings, settings_modal
from bot.store.crypto import SecretBox, new_key


def settings(**env: object) -> Settings:
    return Settings(slack_bot_token=SecretStr("xoxb-1-2"), openai_api_key=SecretStr("sk-operator"), **env)  # type: ignore[arg-type]


def test_the_key_is_never_shown_and_missing_encryption_is_said() -> None:
    shown = json.dumps(settings_modal("T1", SettingsForm(key_set=True)))
    assert "The key is set" in shown and '"api_key"' in shown
    closed = json.dumps(settings_modal("T1", SettingsForm(can_store_key=False)))
    assert "TECHSPEC_ENCRYPTION_KEYS" in closed and '"action_id": "api_key"' not in closed
    assert '"file_input"' in shown and '"max_files": 1' in shown


def test_a_submission_is_read_back() -> None:
    values = {
        "model": {"model": {"type": "plain_text_input", "value": " m2 "}},
        "template": {"template": {"type": "file_input", "files": [{"id": "F1", "name": "t.j2"}]}},
        "reset": {"reset": {"type": "checkboxes", "selected_options": [{"value": "key"}]}},
        "max_user": {"max_user": {"type": "plain_text_input", "value": "5"}},
        "channel_mode": {"channel_mode": {"type": "radio_buttons", "selected_option": {"value": "deny"}}},
        "channels": {"channels": {"type": "multi_conversations_select", "selected_conversations": ["C1"]}},
    }
    form = read_settings(values)
    assert form.model == "m2" and form.files[0]["id"] == "F1" and form.resets == {"key"}
    assert form.numbers["max_user"] == "5" and form.channel_mode == "deny" and form.channels == ["C1"]


def test_limits_stay_within_the_operators_ceilings() -> None:
    bounded = settings(techspec_workspace_max_budget_usd=50, techspec_workspace_max_active=5)
    assert checked_limits(bounded, SettingsInput(numbers={"budget_usd": "40", "max_user": "5"}))[
        "monthly_budget_usd"
    ] == pytest.approx(40)
    for field, value in [("budget_usd", "60"), ("budget_usd", "0"), ("max_user", "6"), ("max_hour", "x")]:
        with pytest.raises(Invalid) as caught:
            checked_limits(bounded, SettingsInput(numbers={field: value}))
        assert caught.value.block == field
    unbounded = checked_limits(settings(techspec_monthly_budget_usd=0), SettingsInput(numbers={"budget_usd": "0"}))
    assert unbounded["monthly_budget_usd"] == 0 and unbounded["max_active_per_user"] is None


def test_channels_model_and_key() -> None:
    with pytest.raises(Invalid):
        checked_channels(SettingsInput(channel_mode="allow"))
    assert checked_channels(SettingsInput(channel_mode="all", channels=["C1"])) == ("all", [])
    with pytest.raises(Invalid):
        checked_model(SettingsInput(model="gpt 4; rm -rf"))
    with pytest.raises(Invalid, match="TECHSPEC_ENCRYPTION_KEYS"):
        checked_key(None, SettingsInput(api_key="sk-new"), WorkspaceSettings())
    box = SecretBox([new_key()])
    sealed = checked_key(box, SettingsInput(api_key="sk-new"), WorkspaceSettings())
    assert sealed is not None and "sk-new" not in sealed and box.open(sealed) == "sk-new"
    assert checked_key(box, SettingsInput(), WorkspaceSettings(api_key_sealed=sealed)) == sealed
    assert checked_key(box, SettingsInput(resets={"key"}), WorkspaceSettings(api_key_sealed=sealed)) is None


def test_the_change_log_names_the_key_without_its_value() -> None:
    before = WorkspaceSettings(api_key_sealed="a")
    after = WorkspaceSettings(api_key_sealed="b", openai_model="m2", updated_by="U1")
    assert changed_fields(before, after) == ["api_key", "openai_model"]


def test_the_template_is_kept_reset_or_replaced() -> None:
    current = WorkspaceSettings(spec_template="# {{ spec.title }}\n", template_name="team.j2")
    # No upload: nothing is downloaded, so no runtime is needed.
    assert checked_template(None, SettingsInput(), current) == (current.spec_template, "team.j2")  # type: ignore[arg-type]
    assert checked_template(None, SettingsInput(resets={"template"}), current) == (None, None)  # type: ignore[arg-type]
    with pytest.raises(Invalid, match=".j2"):
        checked_template(None, SettingsInput(files=[{"name": "evil.exe"}]), current)  # type: ignore[arg-type]
