"""The OAuth tenant adapter against real Redis and the Slack emulator: each scope gets its own token's clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from slack_sdk.oauth.installation_store import Installation

from bot.config import Settings
from bot.flow.jobs import JOBS
from bot.store.crypto import new_key
from bot.wiring import Runtime, WorkspaceNotInstalled, build_runtime
from tests.fakes.slack import SlackEmulator


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    emulator = SlackEmulator(team_id="T0001").start()
    yield emulator
    emulator.stop()


@pytest.fixture
def runtime(slack: SlackEmulator, redis_conn: redis.Redis) -> Runtime:
    settings = Settings(
        slack_client_id=slack.client_id,
        slack_client_secret=slack.client_secret,  # type: ignore[arg-type]
        techspec_encryption_keys=new_key(),  # type: ignore[arg-type]
        slack_api_url=slack.api_url,
        openai_api_key="k",  # type: ignore[arg-type]
    )
    return build_runtime(settings, redis_conn, JOBS)


def save(rt: Runtime, team_id: str | None, token: str, enterprise_id: str | None = None) -> None:
    assert rt.installations is not None
    org = team_id is None
    rt.installations.save(
        Installation(
            team_id=team_id, enterprise_id=enterprise_id, bot_token=token, user_id="U0", is_enterprise_install=org
        )
    )


def test_each_scope_runs_with_its_own_token(runtime: Runtime) -> None:
    save(runtime, "T1", "xoxb-one")
    save(runtime, "T2", "xoxb-two")
    save(runtime, None, "xoxb-org", enterprise_id="E1")
    assert runtime.slack.client.token is None  # no process-wide token in OAuth mode
    one, two, org = runtime.for_tenant("T1"), runtime.for_tenant("T2"), runtime.for_tenant("E1.T7")
    assert (one.slack.client.token, two.slack.client.token, org.slack.client.token) == (
        "xoxb-one",
        "xoxb-two",
        "xoxb-org",
    )
    assert one.files.authorization == "Bearer xoxb-one" and one.users.slack is one.slack
    assert one.scope == "T1" and org.scope == "E1.T7"
    assert runtime.for_tenant("T1").slack is one.slack  # the clients are kept per token, not rebuilt
    assert runtime.for_tenant("E1.T8").slack is org.slack  # one org-wide token for every workspace of the org
    one.users.cache.put_many({"U1": "Ana"})
    assert runtime.redis.get("techspec:user:T1:U1") == b"Ana" and two.users.known(["U1"]) == {}


def test_a_workspace_without_installation_is_named(runtime: Runtime) -> None:
    with pytest.raises(WorkspaceNotInstalled) as info:
        runtime.for_tenant("T9")
    assert "isn't installed" in info.value.user_message
    assert runtime.for_tenant("") is not None  # the process-wide runtime itself
