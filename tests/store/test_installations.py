"""The Redis installation and OAuth state stores against a real redis-server: lookups, deletes, encryption."""

from __future__ import annotations

import pytest
import redis
from slack_sdk.oauth.installation_store import Installation

from bot.store.crypto import SecretBox, SecretUnreadable, new_key
from bot.store.installations import RedisInstallationStore, RedisOAuthStateStore
from bot.store.keys import oauth_state_key
from tests.support.redis_dump import every_key_and_value
from tests.support.waiting import wait_until

KEY = new_key()


def installation(
    team_id: str | None, enterprise_id: str | None = None, org: bool = False, user: str = "U1", n: int = 1
) -> Installation:
    """An install as Bolt's OAuth flow builds it from oauth.v2.access (a rotating token pair)."""
    return Installation(
        app_id="A1",
        enterprise_id=enterprise_id,
        team_id=team_id,
        bot_token=f"xoxb-secret-{team_id or enterprise_id}-{n}",
        bot_id="B1",
        bot_user_id="UBOT",
        bot_scopes="chat:write,commands",
        bot_refresh_token=f"xoxe-1-refresh-{team_id or enterprise_id}-{n}",
        bot_token_expires_in=43200,
        user_id=user,
        user_token=f"xoxp-user-{user}-{n}",
        is_enterprise_install=org,
    )


@pytest.fixture
def store(redis_conn: redis.Redis) -> RedisInstallationStore:
    return RedisInstallationStore(redis_conn, SecretBox([KEY]))


def test_a_workspace_install_is_found_by_its_team(store: RedisInstallationStore) -> None:
    store.save(installation("T1"))
    found = store.find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-secret-T1-1"
    assert found.bot_refresh_token == "xoxe-1-refresh-T1-1"
    assert found.bot_scopes == ["chat:write", "commands"] and found.bot_token_expires_at is not None
    bot = store.find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-secret-T1-1"
    assert store.find_installation(enterprise_id=None, team_id="T2") is None
    assert store.find_installation(enterprise_id=None, team_id="T1", user_id="U1") is not None


def test_a_grid_workspace_install_is_its_workspaces_alone(store: RedisInstallationStore) -> None:
    store.save(installation("T1", "E1"))
    assert store.find_installation(enterprise_id="E1", team_id="T1") is not None
    assert store.find_installation(enterprise_id=None, team_id="T1") is not None  # how a scope "T1" looks it up
    assert store.find_installation(enterprise_id="E1", team_id="T2") is None  # another workspace of the org


def test_an_org_wide_install_answers_for_every_workspace_of_the_org(store: RedisInstallationStore) -> None:
    store.save(installation(None, "E1", org=True))
    for team in ("T1", "T2", None):
        found = store.find_installation(enterprise_id="E1", team_id=team, is_enterprise_install=True)
        assert found is not None and found.bot_token == "xoxb-secret-E1-1"
    # An event from a workspace of the org that does not say is_enterprise_install still finds the org's.
    assert store.find_bot(enterprise_id="E1", team_id="T9", is_enterprise_install=False) is not None
    assert store.find_installation(enterprise_id="E2", team_id="T1", is_enterprise_install=True) is None


def test_a_rotated_bot_token_is_what_find_installation_returns(store: RedisInstallationStore) -> None:
    store.save(installation("T1"))
    rotated = installation("T1", n=2).to_bot()
    store.save_bot(rotated)
    found = store.find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-secret-T1-2"
    assert found.bot_refresh_token == "xoxe-1-refresh-T1-2"


def test_tokens_are_stored_only_encrypted(store: RedisInstallationStore, redis_conn: redis.Redis) -> None:
    store.save(installation("T1"))
    store.save(installation(None, "E1", org=True, user="U7"))
    dump = "\n".join(f"{k} {v}" for k, v in every_key_and_value(redis_conn).items())
    for secret in ("xoxb-", "xoxe-", "xoxp-", "secret-", "refresh-"):
        assert secret not in dump
    other = RedisInstallationStore(redis_conn, SecretBox([new_key()]))
    with pytest.raises(SecretUnreadable):
        other.find_installation(enterprise_id=None, team_id="T1")


def test_deleting_removes_exactly_that_install(store: RedisInstallationStore, redis_conn: redis.Redis) -> None:
    store.save(installation("T1"))
    store.save(installation("T1", user="U2"))
    store.save(installation("T2"))
    store.save(installation(None, "E1", org=True))
    store.delete_installation(enterprise_id=None, team_id="T1", user_id="U2")
    assert store.find_installation(enterprise_id=None, team_id="T1", user_id="U2") is None
    assert store.find_bot(enterprise_id=None, team_id="T1") is not None
    store.delete_all(enterprise_id=None, team_id="T1")
    assert store.find_installation(enterprise_id=None, team_id="T1") is None
    assert store.find_bot(enterprise_id=None, team_id="T1") is None
    store.delete_all(enterprise_id="E1", team_id=None)
    assert store.find_installation(enterprise_id="E1", team_id="T5", is_enterprise_install=True) is None
    assert store.find_installation(enterprise_id=None, team_id="T2") is not None
    assert [k for k in every_key_and_value(redis_conn) if "T1" in k or "E1" in k] == []


def test_a_state_is_good_once(redis_conn: redis.Redis) -> None:
    states = RedisOAuthStateStore(redis_conn)
    state = states.issue()
    assert states.consume(state) is True
    assert states.consume(state) is False  # replayed
    assert states.consume("forged-" + state) is False
    assert states.consume("") is False


def test_a_state_expires(redis_conn: redis.Redis) -> None:
    states = RedisOAuthStateStore(redis_conn, ttl_seconds=1)
    state = states.issue()
    wait_until(lambda: not redis_conn.exists(oauth_state_key(state)), timeout=5, message="the state never expired")
    assert states.consume(state) is False
