"""The real stack for end-to-end tests: redis-server, both emulators, and the Procfile's processes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import count

import pytest
import redis

from tests.fakes.model import ModelEmulator
from tests.fakes.slack import SlackEmulator
from tests.support.processes import BotProcess, wait_http_ok
from tests.support.redis_server import free_port
from tests.support.waiting import wait_until

SIGNING_SECRET = "e2e-signing-secret"
BOT_TOKEN = "xoxb-e2e-test-token"
MODEL_KEY = "sk-e2e-test-key-0000000000000000"
# The key of a workspace's own model endpoint (workspace settings), never the operator's.
WORKSPACE_KEY = "sk-workspace-own-key-5555555555"
_channel_numbers = count(100)


@dataclass
class Stack:
    """Everything a test drives or inspects."""

    slack: SlackEmulator
    model: ModelEmulator
    redis: redis.Redis
    env: dict[str, str]
    port: int
    processes: list[BotProcess] = field(default_factory=list)

    def new_channel(self, *, members: tuple[str, ...] = ("UANA", "UBOB", "UBOT"), private: bool = False) -> str:
        """A fresh channel per test, so tests sharing the processes never see each other's threads."""
        channel = f"{'G' if private else 'C'}E2E{next(_channel_numbers)}"
        self.slack.add_channel(channel, channel.lower(), members=list(members), is_private=private)
        return channel

    def full_logs(self) -> str:
        """Everything the processes wrote."""
        return "\n".join(p.output() for p in self.processes)

    def logs(self) -> str:
        """The processes' output, for failure messages."""
        return "\n".join(f"--- {p.kind} ---\n{p.output()[-4000:]}" for p in self.processes)


def bot_env(slack_url: str, model_url: str, redis_url: str, port: int) -> dict[str, str]:
    """The environment of INTERFACE.md, pointed at the emulators, with short test timings."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_url,
        "OPENAI_API_KEY": MODEL_KEY,
        "OPENAI_BASE_URL": model_url,
        "OPENAI_MODEL": "test-model",
        "REDIS_URL": redis_url,
        "PORT": str(port),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        "TECHSPEC_AUTO_WRITE_DELAY_SECONDS": "0",
        "TECHSPEC_SHARE_POLL_SECONDS": "10",
        "TECHSPEC_WEB_WORKERS": "1",
        "TECHSPEC_WORKER_MONITORING_INTERVAL": "1",
        "TECHSPEC_WORKER_HEARTBEAT_GRACE": "3",
        "TECHSPEC_WORKER_MAINTENANCE_INTERVAL": "2",
        "TECHSPEC_JOB_RETRY_INTERVALS": "[0, 1]",
        "OPENAI_MAX_RETRIES": "1",
        "OPENAI_TIMEOUT_SECONDS": "20",
        # The emulator serves url_private downloads itself: it is the only "Slack file host" here.
        "TECHSPEC_SLACK_FILE_HOSTS": slack_url.split("/api/", 1)[0],
        # The tests share one workspace and three people: fair-use limits would refuse them. They are
        # tested with their own settings (tests/e2e/test_fair_use.py); the bench's flood part sets its own.
        **UNLIMITED,
    }


UNLIMITED = {
    "TECHSPEC_MAX_ACTIVE_PER_USER": "1000",
    "TECHSPEC_MAX_ACTIVE_PER_CHANNEL": "10000",
    "TECHSPEC_MAX_ACTIVE_PER_WORKSPACE": "100000",
    "TECHSPEC_MAX_STARTS_PER_USER_HOUR": "10000",
    "TECHSPEC_MAX_QUEUE_DEPTH": "1000000",
    "TECHSPEC_MONTHLY_BUDGET_USD": "0",
}


def worker_ready(connection: redis.Redis, worker: BotProcess) -> bool:
    """True once an RQ worker registered (after its warm-up); fails at once if the worker process exited."""
    if worker.process is not None and worker.process.poll() is not None:
        raise AssertionError(f"worker exited early:\n{worker.output()[-3000:]}")
    return bool(connection.scard("rq:workers"))


def seed_people(slack: SlackEmulator) -> None:
    """The people of every test thread."""
    slack.add_user("UANA", "ana", real_name="Ana Lopez", display_name="Ana")
    slack.add_user("UBOB", "bob", real_name="Bob Stone", display_name="Bob")
    slack.add_user("UCAT", "cat", real_name="Cat Kim", display_name="Cat")


def start_emulators() -> tuple[SlackEmulator, ModelEmulator]:
    """The Slack and model emulators, started, with the tests' people in the workspace."""
    slack = SlackEmulator(signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN, team_id="T0001", bot_user_id="UBOT")
    slack.start()
    seed_people(slack)
    model = ModelEmulator(api_key=MODEL_KEY)
    model.start()
    return slack, model


@contextmanager
def running_stack(
    redis_url: str, env_for: Callable[[SlackEmulator, int], dict[str, str]] | None = None, **overrides: str
) -> Iterator[Stack]:
    """Emulators plus one web and one worker process against redis_url, stopped afterwards.

    env_for(slack, port) adds settings that depend on the running emulator or the web's port (OAuth's);
    an override set to "" unsets a variable (the settings ignore empty values).
    """
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    slack, model = start_emulators()
    port = free_port()
    extra = env_for(slack, port) if env_for is not None else {}
    env = {**bot_env(slack.api_url, model.base_url, redis_url, port), **extra, **overrides}
    stack = Stack(slack=slack, model=model, redis=connection, env=env, port=port)
    web = BotProcess("web", env).start()
    worker = BotProcess("worker", env).start()
    stack.processes += [web, worker]
    try:
        wait_http_ok(f"http://127.0.0.1:{port}/healthz", process=web)
        # The worker's warm-up (auth.test among it) must be over before a test counts Slack calls.
        wait_until(lambda: worker_ready(connection, worker), 60, message=f"the worker registering\n{stack.logs()}")
        slack.events_url = f"http://127.0.0.1:{port}/slack/events"
        yield stack
    finally:
        for process in stack.processes:
            process.stop()
        slack.stop()
        model.stop()
        try:
            connection.flushdb()
        except redis.RedisError:
            pass
        connection.close()


@pytest.fixture(scope="module")
def stack(redis_url: str) -> Iterator[Stack]:
    """The real stack shared by a module's tests (database 1 of the session's redis-server)."""
    with running_stack(redis_url.rsplit("/", 1)[0] + "/1") as running:
        yield running


@pytest.fixture
def fresh(stack: Stack) -> Iterator[Stack]:
    """The shared stack with the model's scripts and faults, and Slack's faults, cleared after the test."""
    try:
        yield stack
    finally:
        stack.model.clear()
        stack.slack.clear_faults()


@pytest.fixture(scope="module")
def own_model() -> Iterator[ModelEmulator]:
    """The workspace's own endpoint: a second model emulator with its own key and model."""
    model = ModelEmulator(api_key=WORKSPACE_KEY, models=("team-model",)).start()
    try:
        yield model
    finally:
        model.stop()
