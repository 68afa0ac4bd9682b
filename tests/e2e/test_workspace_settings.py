"""End to end through the real processes: an admin sets the workspace's model, endpoint, key, template and
channels on the Home tab; the next session uses them; nobody else sees or changes them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.store.crypto import new_key
from bot.store.keys import workspace_settings_key
from tests.e2e.conftest import WORKSPACE_KEY, Stack, running_stack
from tests.e2e.helpers import CLEAR, design_thread, session_of, wait_for_pinned_spec
from tests.fakes.model import ModelEmulator
from tests.fakes.slack import payloads
from tests.support.waiting import wait_until

ADMIN = "UADM"
TEMPLATE = (
    "# {{ spec.title }} (our own template)\n\nMADE-WITH-TEAM-TEMPLATE v{{ ctx.version }}\n\n{{ spec.overview }}\n"
)


@pytest.fixture(scope="module")
def stack(redis_url: str) -> Iterator[Stack]:
    """The stack with encryption keys, and private http endpoints allowed (the emulator is on 127.0.0.1)."""
    env = {
        "TECHSPEC_ENCRYPTION_KEYS": new_key(),
        "TECHSPEC_WORKSPACE_ALLOW_HTTP": "true",
        "TECHSPEC_WORKSPACE_ALLOW_PRIVATE_ENDPOINTS": "true",
        "TECHSPEC_WORKSPACE_SETTINGS_SECONDS": "0",
    }
    with running_stack(redis_url.rsplit("/", 1)[0] + "/1", **env) as running:
        running.slack.add_user(ADMIN, "adm", real_name="Ada Admin", is_admin=True)
        yield running


def home_of(stack: Stack, user: str) -> str:
    stack.slack.home_views.pop(user, None)
    assert stack.slack.send_app_home_opened(user).status == 200
    home = wait_until(lambda: stack.slack.home_views.get(user), 10, message=f"home tab of {user}\n{stack.logs()}")
    return json.dumps(home["blocks"])


def open_modal(stack: Stack, user: str) -> dict[str, Any]:
    before = len(stack.slack.views)
    stack.slack.send_home_action(user, "techspec_settings_open", "open")
    return wait_until(
        lambda: next((v["view"] for v in stack.slack.views[before:] if v["user"] == user), None),
        10,
        message=f"settings modal\n{stack.logs()}",
    )


def values(model: str, endpoint: str, key: str, files: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """state.values as Slack sends them for the settings modal."""

    def text(name: str, value: str | None) -> dict[str, Any]:
        return {name: {name: {"type": "plain_text_input", "value": value}}}

    out = {**text("model", model), **text("endpoint", endpoint), **text("api_key", key)}
    out["template"] = {"template": {"type": "file_input", "files": files}}
    out["channel_mode"] = {
        "channel_mode": {"type": "radio_buttons", "selected_option": {"value": extra.get("mode", "all")}}
    }
    out["channels"] = {
        "channels": {"type": "multi_conversations_select", "selected_conversations": extra.get("channels", [])}
    }
    for name, value in extra.get("numbers", {}).items():
        out.update(text(name, value))
    return out


def stored(stack: Stack) -> bytes:
    return stack.redis.get(workspace_settings_key("T0001")) or b""


def test_admin_sets_model_endpoint_key_and_template(stack: Stack, own_model: ModelEmulator) -> None:
    assert "Workspace settings" not in home_of(stack, "UANA")  # not an admin: no section, no button
    assert "Workspace settings" in home_of(stack, ADMIN)

    view = open_modal(stack, ADMIN)
    upload = stack.slack.upload_for_input(ADMIN, "team.j2", TEMPLATE)
    submitted = stack.slack.send_view_submission(
        ADMIN, view, values("team-model", own_model.base_url, WORKSPACE_KEY, [upload])
    )
    assert submitted.ok and not (submitted.json() or {}).get("response_action"), submitted.json()
    wait_until(lambda: b"team-model" in stored(stack), 10, message=f"settings saved\n{stack.logs()}")
    assert WORKSPACE_KEY.encode() not in stored(stack)  # only sealed
    assert WORKSPACE_KEY not in stack.full_logs()
    assert "team.j2" in home_of(stack, ADMIN)

    # The next session in the workspace: its own endpoint, key and model, and its template.
    own_model.script("ClarifyResult", CLEAR)
    operator_calls = len(stack.model.requests)
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    stack.slack.post_message(channel, "UBOB", "<@UBOT> spec please", thread_ts=root)
    spec = wait_for_pinned_spec(stack, channel, root)
    assert "MADE-WITH-TEAM-TEMPLATE v1" in spec.content.decode()
    assert own_model.requests and len(stack.model.requests) == operator_calls
    assert {r.headers.get("authorization") for r in own_model.requests} == {f"Bearer {WORKSPACE_KEY}"}
    assert {r.body.get("model") for r in own_model.requests} == {"team-model"}


def test_a_forged_submission_by_a_non_admin_changes_nothing(stack: Stack) -> None:
    view = open_modal(stack, ADMIN)
    before = stored(stack)
    forged = stack.slack.send_view_submission("UANA", view, values("cheap-model", "", "", []))
    answer = forged.json() or {}
    assert answer.get("response_action") == "errors" and "admins" in json.dumps(answer["errors"])
    assert stored(stack) == before
    # Nor does a forged click open the modal for them.
    opened = len(stack.slack.views)
    stack.slack.send_home_action("UANA", "techspec_settings_open", "open")
    stack.slack.wait_idle()
    assert len([v for v in stack.slack.views[opened:] if v["user"] == "UANA"]) == 0


def test_a_bad_template_is_refused_in_the_modal(stack: Stack) -> None:
    view = open_modal(stack, ADMIN)
    before = stored(stack)
    bad = stack.slack.upload_for_input(ADMIN, "bad.j2", "# ok\n\n{{ ''.__class__.__mro__ }}\n")
    answer = stack.slack.send_view_submission(ADMIN, view, values("", "", "", [bad])).json() or {}
    assert answer.get("response_action") == "errors"
    assert "line 3" in answer["errors"]["template"]
    assert stored(stack) == before


def test_a_deny_listed_channel_is_refused_privately(stack: Stack, own_model: ModelEmulator) -> None:
    closed = stack.new_channel()
    view = open_modal(stack, ADMIN)
    chosen = values("team-model", own_model.base_url, "", [], mode="deny", channels=[closed])
    assert not (stack.slack.send_view_submission(ADMIN, view, chosen).json() or {}).get("response_action")
    wait_until(lambda: closed.encode() in stored(stack), 10, message="deny-list saved")
    root = design_thread(stack, closed)
    stack.slack.post_message(closed, "UBOB", "<@UBOT> spec please", thread_ts=root)
    refusal = wait_until(
        lambda: next((e for e in stack.slack.ephemerals if e.get("channel") == closed), None),
        15,
        message=f"a private refusal\n{stack.logs()}",
    )
    assert refusal["user"] == "UBOB" and "Workspace settings" in refusal["text"]
    assert session_of(stack, closed, root) is None


def test_the_workspace_budget_applies(stack: Stack, own_model: ModelEmulator) -> None:
    # The first test's session was counted against this workspace; a budget below it refuses the next one.
    assert stack.redis.keys("techspec:usage:T0001:*")
    view = open_modal(stack, ADMIN)
    chosen = values("team-model", own_model.base_url, "", [], numbers={"budget_usd": "0.000001"})
    assert not (stack.slack.send_view_submission(ADMIN, view, chosen).json() or {}).get("response_action")
    wait_until(lambda: json.loads(stored(stack))["monthly_budget_usd"] == 0.000001, 10, message="budget saved")
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    stack.slack.post_message(channel, "UANA", "<@UBOT> spec please", thread_ts=root)
    refusal = wait_until(
        lambda: next((e for e in stack.slack.ephemerals if e.get("channel") == channel), None),
        15,
        message=f"a budget refusal\n{stack.logs()}",
    )
    assert "budget" in refusal["text"] and session_of(stack, channel, root) is None


def test_uninstall_deletes_the_settings(stack: Stack) -> None:
    assert stored(stack)
    event = {"type": "app_uninstalled", "event_ts": "1.0"}
    assert stack.slack.deliver(payloads.envelope(stack.slack.ws, event)).status == 200
    wait_until(lambda: stored(stack) == b"", 30, message=f"settings forgotten\n{stack.logs()}")
