"""End to end in OAuth mode: two workspaces at once, one with its admin's own model, key and template, the
other on the operator's defaults; nothing of one reaches the other's model, Slack token or spec."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import WORKSPACE_KEY, Stack, running_stack
from tests.e2e.helpers import questions_messages, wait_for_pinned_spec
from tests.e2e.test_oauth import install, oauth_env, tokens_used, workspace
from tests.e2e.test_workspace_settings import TEMPLATE, values
from tests.fakes.model import ModelEmulator
from tests.fakes.slack import SlackEmulator
from tests.fakes.slack.handle import WorkspaceHandle
from tests.support.waiting import wait_until

ADMIN = "UADMA"
THREADS = {
    "T0201": [
        "ALPHA-THREAD: we need an audit log for the billing service, append-only, kept 7 years.",
        "Writes come from the billing API; reads from the compliance dashboard, about 10 a day.",
        "Store it in Postgres with a hash chain so tampering shows. Latency budget 50 ms per write.",
    ],
    "T0202": [
        "BETA-THREAD: the mobile app needs offline drafts that sync when the phone is back online.",
        "Conflicts: last writer wins per field, and the user sees a banner when theirs lost.",
        "Drafts live in SQLite on the phone; the sync API takes batches of 50 edits at most.",
    ],
}


def settings_env(slack: SlackEmulator, port: int) -> dict[str, str]:
    """OAuth mode, and workspace endpoints on 127.0.0.1 allowed (the model emulators are local)."""
    return {
        **oauth_env(slack, port),
        "TECHSPEC_MAX_ACTIVE_PER_WORKSPACE": "10",
        "TECHSPEC_WORKSPACE_ALLOW_HTTP": "true",
        "TECHSPEC_WORKSPACE_ALLOW_PRIVATE_ENDPOINTS": "true",
        "TECHSPEC_WORKSPACE_SETTINGS_SECONDS": "0",
    }


@pytest.fixture(scope="module")
def stack(redis_url: str) -> Iterator[Stack]:
    """The real web and worker in OAuth mode (database 1 of the session's redis-server)."""
    with running_stack(redis_url.rsplit("/", 1)[0] + "/1", settings_env) as running:
        yield running


def ask(ws: WorkspaceHandle, channel: str, people: tuple[str, str]) -> str:
    """The workspace's own design thread, then @techspec in it; returns the root ts."""
    lines = THREADS[ws.team_id]
    root = ws.seed_message(channel, people[0], lines[0])
    for index, text in enumerate(lines[1:]):
        ws.seed_message(channel, people[(index + 1) % 2], text, thread_ts=root)
    ws.post_message(channel, people[0], f"<@{ws.bot_user_id}> spec", thread_ts=root)
    return root


def save_own_model(stack: Stack, ws: WorkspaceHandle, own_model: ModelEmulator) -> None:
    """The workspace's admin opens the settings from the Home tab and saves a model, endpoint, key and template."""
    before = len(ws.views)
    ws.send_home_action(ADMIN, "techspec_settings_open", "open")
    view: dict[str, Any] = wait_until(
        lambda: next((v["view"] for v in ws.views[before:] if v["user"] == ADMIN), None),
        10,
        message=f"settings modal\n{stack.logs()}",
    )
    upload = ws.upload_for_input(ADMIN, "team.j2", TEMPLATE)
    answer = ws.send_view_submission(ADMIN, view, values("team-model", own_model.base_url, WORKSPACE_KEY, [upload]))
    assert answer.ok and not (answer.json() or {}).get("response_action"), answer.json()
    wait_until(lambda: stack.redis.exists("techspec:wsettings:T0201"), 10, message=stack.logs())


def test_two_workspaces_keep_their_own_settings_model_and_token(stack: Stack, own_model: ModelEmulator) -> None:
    alpha, alpha_channel, alpha_people = workspace(stack, "T0201", "alpha")
    beta, beta_channel, beta_people = workspace(stack, "T0202", "beta")
    install(stack, alpha)
    install(stack, beta)
    alpha.add_user(ADMIN, "ada", real_name="Ada Admin", is_admin=True)
    save_own_model(stack, alpha, own_model)

    # Both sessions at once.
    roots = {"T0201": ask(alpha, alpha_channel, alpha_people), "T0202": ask(beta, beta_channel, beta_people)}
    sides = ((alpha, alpha_channel, alpha_people), (beta, beta_channel, beta_people))
    for ws, channel, people in sides:
        root = roots[ws.team_id]
        wait_until(lambda: questions_messages(ws, channel, root), 30, message=stack.logs())  # noqa: B023
        ws.post_message(channel, people[0], f"<@{ws.bot_user_id}> go ahead", thread_ts=root)
    specs = {}
    for ws, channel, _ in sides:
        view = Stack(slack=ws, model=stack.model, redis=stack.redis, env=stack.env, port=stack.port)
        specs[ws.team_id] = wait_for_pinned_spec(view, channel, roots[ws.team_id], timeout=60).content.decode()

    # Settings: alpha's template and model; beta the operator's.
    assert "MADE-WITH-TEAM-TEMPLATE" in specs["T0201"] and "MADE-WITH-TEAM-TEMPLATE" not in specs["T0202"]
    own = [json.dumps(r.body) for r in own_model.requests]
    operator = [json.dumps(r.body) for r in stack.model.requests]
    assert own and all("BETA-THREAD" not in body for body in own)
    assert any("ALPHA-THREAD" in body for body in own)
    assert any("BETA-THREAD" in body for body in operator) and all("ALPHA-THREAD" not in body for body in operator)
    assert {r.headers.get("authorization") for r in own_model.requests} == {f"Bearer {WORKSPACE_KEY}"}
    assert {r.body.get("model") for r in own_model.requests} == {"team-model"}
    assert f"Bearer {WORKSPACE_KEY}" not in {r.headers.get("authorization") for r in stack.model.requests}
    # Slack: each workspace's calls carry its own installation's token only.
    assert tokens_used(stack, "T0201") == {stack.slack.installation(alpha).token}
    assert tokens_used(stack, "T0202") == {stack.slack.installation(beta).token}
    # Data: each workspace's usage is counted under its own scope.
    assert stack.redis.keys("techspec:usage:T0201:*") and stack.redis.keys("techspec:usage:T0202:*")
