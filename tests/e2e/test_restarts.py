"""Processes and Redis going away: answers survive a web restart, a Redis outage is visible and heals."""

from __future__ import annotations

import json
import signal
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import Stack, running_stack
from tests.e2e.helpers import design_thread, status_text, wait_for_questions
from tests.support.processes import BotProcess, wait_http_ok
from tests.support.redis_server import RedisServer
from tests.support.waiting import wait_until


@pytest.fixture(scope="module")
def own_redis() -> Iterator[RedisServer]:
    """A redis-server this module may stop and start again on the same port."""
    server = RedisServer().start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def outage_stack(own_redis: RedisServer) -> Iterator[Stack]:
    with running_stack(own_redis.url) as stack:
        yield stack


def health_status(stack: Stack) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{stack.port}/healthz", timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_answers_given_while_web_restarts_are_all_recorded(outage_stack: Stack) -> None:
    stack = outage_stack
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    stack.slack.post_message(channel, "UANA", "<@UBOT> spec", thread_ts=root)
    wait_for_questions(stack, channel, root)

    stack.slack.retry_policy = "slack"  # Slack redelivers what the web could not take
    stack.slack.retry_delays = [1.0, 2.0, 4.0]
    try:
        stack.processes[0].kill(signal.SIGKILL)
        stack.slack.post_message(channel, "UANA", "1. Postgres", thread_ts=root)  # web is down
        replacement = BotProcess("web", stack.env).start()
        stack.processes[0] = replacement
        wait_http_ok(f"http://127.0.0.1:{stack.port}/healthz", process=replacement)
        stack.slack.post_message(channel, "UBOB", "2. p99 under 300 ms", thread_ts=root)  # web is back
        wait_until(lambda: "2 of 3 answered" in status_text(stack, channel, root), 20, message=stack.logs())
    finally:
        stack.slack.retry_policy = "none"
    retried = [d for d in stack.slack.deliveries if d.retry_num > 0]
    assert retried, "the answer given while the web was down arrived through Slack's retry"


def test_redis_outage_is_visible_and_the_bot_recovers(outage_stack: Stack, own_redis: RedisServer) -> None:
    stack = outage_stack
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    assert health_status(stack) == 200

    own_redis.stop()
    try:
        wait_until(lambda: health_status(stack) == 503, 10, message="healthz 503")
        before = len(stack.slack.ephemerals)
        stack.slack.post_message(channel, "UANA", "<@UBOT> spec", thread_ts=root)
        wait_until(lambda: len(stack.slack.ephemerals) > before, 15, message=f"ephemeral\n{stack.logs()}")
        assert "try again in a minute" in json.dumps(stack.slack.ephemerals[-1])
        responses = len(stack.slack.responses)
        link = f"https://acme.slack.com/archives/{channel}/p{root.replace('.', '')}"
        stack.slack.send_slash_command(user="UANA", channel=channel, text=link)
        wait_until(lambda: len(stack.slack.responses) > responses, 15, message="command response")
        assert "try again in a minute" in json.dumps(stack.slack.responses[-1][1])
    finally:
        own_redis.start()

    wait_until(lambda: health_status(stack) == 200, 20, message="healthz back to 200")
    assert all(p.process is not None and p.process.poll() is None for p in stack.processes), stack.logs()
    stack.slack.post_message(channel, "UBOB", "<@UBOT> now please", thread_ts=root)
    wait_for_questions(stack, channel, root, timeout=60)
