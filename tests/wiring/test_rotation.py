"""Token rotation against real Redis and the Slack emulator: a refresh token is spent at most once, the save is
fenced, and a refresh that fails leaves the workspace unavailable instead of failing every request and job."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import redis
from slack_sdk.http_retry import RateLimitErrorRetryHandler
from slack_sdk.oauth.installation_store import Installation

from bot.config import Settings
from bot.flow import jobs
from bot.store.crypto import new_key
from bot.wiring import RefreshingInstallationStore, WorkspaceUnavailable, build_runtime, set_runtime
from bot.wiring.rotation import ROTATION_CALL_SECONDS, ROTATION_LOCK_SECONDS, ROTATION_RATE_LIMIT_RETRIES, Lookup
from tests.fakes.slack import SlackEmulator

T1 = Lookup(enterprise_id=None, team_id="T1", is_enterprise_install=False)


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    emulator = SlackEmulator(team_id="T0001").start()
    yield emulator
    emulator.stop()


@pytest.fixture
def settings(slack: SlackEmulator) -> Settings:
    return Settings(
        slack_client_id=slack.client_id,
        slack_client_secret=slack.client_secret,  # type: ignore[arg-type]
        techspec_encryption_keys=new_key(),  # type: ignore[arg-type]
        slack_api_url=slack.api_url,
        openai_api_key="k",  # type: ignore[arg-type]
    )


def expiring(refresh_token: str = "xoxe-1-unknown", token: str = "xoxe.xoxb-old") -> Installation:
    """A workspace install whose token expires within the refresh margin (its refresh token unknown to Slack)."""
    return Installation(
        team_id="T1",
        user_id="U0",
        bot_token=token,
        bot_refresh_token=refresh_token,
        bot_token_expires_at=int(time.time()) + 5,
    )


def test_a_5xx_from_oauth_is_never_retried_and_the_workspace_is_unavailable(
    slack: SlackEmulator, settings: Settings, redis_conn: redis.Redis
) -> None:
    store = RefreshingInstallationStore(redis_conn, settings)
    store.save(expiring())
    # A 5xx (or a lost connection) may come after Slack spent the refresh token: a second try would spend it again.
    slack.fail_next("oauth.v2.access", http_status=503, count=3)
    with pytest.raises(WorkspaceUnavailable):
        store.find_fresh(T1)
    assert len(slack.calls("oauth.v2.access")) == 1
    # Bolt's authorize reads through find_installation: "not installed" (Bolt's own message), no exception.
    assert store.find_installation(enterprise_id=None, team_id="T1") is None
    assert not redis_conn.keys("techspec:rotation*")  # the lock was released


def test_the_rotation_client_retries_only_rate_limits_within_the_lock(
    settings: Settings, redis_conn: redis.Redis
) -> None:
    client = RefreshingInstallationStore(redis_conn, settings).rotator.client
    assert [type(h).__mro__[1] for h in client.retry_handlers] == [RateLimitErrorRetryHandler]
    assert client.timeout == ROTATION_CALL_SECONDS
    assert ROTATION_LOCK_SECONDS > (ROTATION_RATE_LIMIT_RETRIES + 1) * ROTATION_CALL_SECONDS


def test_a_refused_refresh_drops_the_job_without_raising(settings: Settings, redis_conn: redis.Redis) -> None:
    runtime = build_runtime(settings, redis_conn, jobs.JOBS)
    assert runtime.installations is not None
    runtime.installations.save(expiring())  # Slack answers invalid_refresh_token (revoked, or spent already)
    set_runtime(runtime)
    with pytest.raises(WorkspaceUnavailable):
        runtime.for_tenant("T1")
    assert jobs.workspace("T1") is None
    jobs.on_job_failure(FailedJob(), redis_conn, RuntimeError, RuntimeError("x"), None)  # no second exception


class FailedJob:
    """What RQ hands on_job_failure for a session's job that has no retries left."""

    id = "read-x"
    retries_left = 0
    args = ("techspec:session:T1:C1:1.1",)


def test_the_save_is_a_compare_and_set_on_the_spent_refresh_token(settings: Settings, redis_conn: redis.Redis) -> None:
    store = RefreshingInstallationStore(redis_conn, settings)
    store.save(expiring("xoxe-1-r1", "xoxe.xoxb-1"))
    # A refresh whose lock expired mid-call: another process saved a newer pair meanwhile; it stands.
    store.save(expiring("xoxe-1-r2", "xoxe.xoxb-2"))
    assert store.save_rotated(expiring("xoxe-1-late", "xoxe.xoxb-late"), spent_refresh_token="xoxe-1-r1") is False
    found = store._read(T1)  # as stored (find_installation would refresh this soon-expiring token)
    assert found is not None and found.bot_refresh_token == "xoxe-1-r2"
    assert store.save_rotated(expiring("xoxe-1-r3", "xoxe.xoxb-3"), spent_refresh_token="xoxe-1-r2") is True
    assert store._read(T1).bot_refresh_token == "xoxe-1-r3"  # type: ignore[union-attr]


def test_a_refresh_that_outlasts_its_lock_still_saves_fenced(
    slack: SlackEmulator, settings: Settings, redis_conn: redis.Redis
) -> None:
    slack.token_rotation = True
    issued = slack.tenancy.install(["T0001"])
    token, refresh = str(issued.token), str(issued.refresh_token)  # the emulator's record changes on refresh
    store = RefreshingInstallationStore(redis_conn, settings)
    store.save(
        Installation(
            team_id="T0001",
            user_id="U0",
            bot_token=token,
            bot_refresh_token=refresh,
            bot_token_expires_at=int(time.time()) + 5,
        )
    )
    slack.method_latency["oauth.v2.access"] = 1.0  # a slow Slack: the lock is lost while the call is out
    lost = threading.Timer(0.3, lambda: redis_conn.delete(*redis_conn.keys("techspec:rotation-lock:*")))
    lost.start()
    refreshed = store.find_fresh(Lookup(enterprise_id=None, team_id="T0001", is_enterprise_install=False))
    lost.join()
    assert refreshed is not None and refreshed.bot_token != token
    stored = store._read(Lookup(enterprise_id=None, team_id="T0001", is_enterprise_install=False))
    assert stored is not None and stored.bot_refresh_token == refreshed.bot_refresh_token != refresh
