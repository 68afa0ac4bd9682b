"""What serving many workspaces costs: Redis memory per installation, and the time `Runtime.for_tenant`
adds to every request and job (find the installation, decrypt its token, apply the workspace's settings).

`make bench-tenants` (or `python -m bench.tenants --workspaces 2000`); against its own
redis-server, no Slack and no model calls. Prints one line per figure; quoted in the README.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any, cast

import redis
from slack_sdk.oauth.installation_store import Installation

from bot.config import Settings
from bot.flow.jobs import JOBS
from bot.store.crypto import SecretBox, new_key
from bot.store.installations import RedisInstallationStore
from bot.wiring import Runtime, build_runtime
from tests.support.redis_server import RedisServer


def percentiles(samples: list[float]) -> str:
    """p50 / p99 / max of samples in seconds, as microseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1e6:.0f} us, p99 {p99 * 1e6:.0f} us, max {ordered[-1] * 1e6:.0f} us"


def timed(scopes: list[str], runtime: Runtime) -> list[float]:
    """Seconds each for_tenant call took, one per scope."""
    samples = []
    for scope in scopes:
        start = time.perf_counter()
        runtime.for_tenant(scope)
        samples.append(time.perf_counter() - start)
    return samples


def settings_for(url: str, *, oauth: bool, key: str) -> Settings:
    """Bench settings: OAuth mode or the one bot token, never reaching Slack or a model."""
    env = {
        "REDIS_URL": url,
        "OPENAI_API_KEY": "sk-bench-0000000000000000",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "TECHSPEC_ENCRYPTION_KEYS": key,
    }
    env |= (
        {"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "bench-client-secret"}
        if oauth
        else {"SLACK_BOT_TOKEN": "xoxb-1-bench"}
    )
    os.environ.update(env)
    try:
        return Settings()  # type: ignore[call-arg]
    finally:
        for name in env:
            os.environ.pop(name, None)


def used_memory(connection: redis.Redis) -> int:
    """Redis's used_memory, in bytes."""
    info = cast(dict[str, Any], connection.info("memory"))
    return int(info["used_memory"])


def install_all(connection: redis.Redis, box: SecretBox, count: int) -> tuple[list[str], int]:
    """count workspace installations and one org-wide install's workspaces: (scopes, bytes stored)."""
    store = RedisInstallationStore(connection, box)
    before = used_memory(connection)
    scopes = []
    for number in range(count):
        team = f"T{number:06d}"
        store.save(
            Installation(
                app_id="A1",
                team_id=team,
                user_id=f"U{number:06d}",
                bot_token=f"xoxb-{number}-{'x' * 40}",
                bot_id=f"B{number:06d}",
                bot_user_id=f"UB{number:05d}",
                bot_scopes="chat:write",
                bot_refresh_token=f"xoxe-1-{'r' * 60}",
                bot_token_expires_in=43200,
            )
        )
        scopes.append(team)
    return scopes, used_memory(connection) - before


def main() -> int:
    """Install the workspaces, then time for_tenant cold and warm in both modes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspaces", type=int, default=2000)
    args = parser.parse_args()
    server = RedisServer().start()
    try:
        connection = redis.Redis.from_url(server.url)
        key = new_key()
        scopes, stored = install_all(connection, SecretBox([key]), args.workspaces)
        print(f"tenants: {args.workspaces} installations stored, {stored / args.workspaces:.0f} bytes each in Redis")
        oauth = build_runtime(settings_for(server.url, oauth=True, key=key), connection, JOBS)
        cold = timed(scopes, oauth)
        warm = timed(scopes, oauth)
        print(f"tenants: for_tenant, OAuth, first use per workspace: {percentiles(cold)}")
        print(f"tenants: for_tenant, OAuth, again (clients cached): {percentiles(warm)}")
        single = build_runtime(settings_for(server.url, oauth=False, key=key), connection, JOBS)
        one = timed(["T000001"] * len(scopes), single)
        print(f"tenants: for_tenant, one bot token (settings only): {percentiles(one)}")
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
