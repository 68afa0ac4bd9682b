"""The production Socket Mode process (`python -m bot socket`) with a real worker: no public URL at all."""

from __future__ import annotations

import json
import signal
import urllib.request
from collections.abc import Iterator

import pytest
import redis

from tests.e2e.conftest import Stack, bot_env, start_emulators
from tests.e2e.helpers import design_thread, wait_for_pinned_spec, wait_for_questions
from tests.fakes.slack.socket_mode import SocketModeRelay
from tests.support.processes import BotProcess, wait_http_ok
from tests.support.redis_server import free_port
from tests.support.waiting import wait_until

APP_TOKEN = "xapp-1-A0EMU-1-e2e"


@pytest.fixture(scope="module")
def socket_stack(redis_url: str) -> Iterator[tuple[Stack, int]]:
    """The socket process and one worker (from the Procfile), Slack reaching them only over Socket Mode."""
    url = redis_url.rsplit("/", 1)[0] + "/3"
    connection = redis.Redis.from_url(url)
    connection.flushdb()
    slack, model = start_emulators()
    relay = SocketModeRelay(APP_TOKEN).start()
    slack.socket_mode, slack.events_url = relay, relay.relay_url
    env = bot_env(slack.api_url, model.base_url, url, free_port()) | {"SLACK_APP_TOKEN": APP_TOKEN}
    del env["SLACK_SIGNING_SECRET"]  # Socket Mode needs none
    port = free_port()
    listener = BotProcess("socket", env | {"TECHSPEC_METRICS_PORT": str(port)}).start()
    worker = BotProcess("worker", env).start()
    stack = Stack(slack=slack, model=model, redis=connection, env=env, port=0, processes=[listener, worker])
    try:
        wait_http_ok(f"http://127.0.0.1:{port}/healthz", process=listener)
        yield stack, port
    finally:
        for process in stack.processes:
            process.stop()
        relay.stop()
        slack.stop()
        model.stop()
        connection.flushdb()


def test_socket_mode_process_and_worker_write_a_spec(socket_stack: tuple[Stack, int]) -> None:
    stack, port = socket_stack
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    stack.slack.post_message(channel, "UANA", "<@UBOT> spec please", thread_ts=root)
    wait_for_questions(stack, channel, root)
    stack.slack.post_message(channel, "UBOB", "1. Postgres", thread_ts=root)
    stack.slack.post_message(channel, "UANA", "<@UBOT> go ahead", thread_ts=root)
    wait_for_pinned_spec(stack, channel, root)
    assert stack.slack.deliveries and all(d.status == 200 for d in stack.slack.deliveries)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
        assert json.loads(response.read())["workers"] == 1
    listener = stack.processes[0]
    listener.kill(signal.SIGTERM)
    assert listener.process is not None
    wait_until(lambda: listener.process.poll() is not None, 20, message="socket process stops on SIGTERM")
    assert listener.process.returncode == 0, listener.output()[-2000:]
