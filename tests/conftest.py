"""Shared fixtures: a real redis-server for the session, a clean database per test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import redis

from tests.fakes.model import ModelEmulator
from tests.fakes.slack import SlackEmulator
from tests.support.redis_server import RedisServer


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a redis-server started for this test session (or TEST_REDIS_URL when given)."""
    given = os.environ.get("TEST_REDIS_URL")
    if given:
        yield given
        return
    server = RedisServer().start()
    try:
        yield server.url
    finally:
        server.close()


@pytest.fixture
def redis_conn(redis_url: str) -> Iterator[redis.Redis]:
    """A connection to a flushed database, flushed again afterwards."""
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    try:
        yield connection
    finally:
        connection.flushdb()
        connection.close()


@pytest.fixture(scope="module")
def emulator() -> Iterator[ModelEmulator]:
    """An OpenAI-compatible emulator (API key "k") for a module's tests of the model-facing services."""
    emu = ModelEmulator(api_key="k")
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def design_workspace() -> Iterator[SlackEmulator]:
    """A Slack emulator with one person and one channel the bot is in (a module's tests share it)."""
    emulator = SlackEmulator(
        signing_secret="s", bot_token="xoxb-design", team_id="T1", bot_user_id="UBOT", bot_id="BBOT"
    )
    emulator.start()
    emulator.add_user("UANA", "ana")
    emulator.add_channel("C1", "design", members=["UANA", "UBOT"])
    yield emulator
    emulator.stop()
