"""Redis frozen (SIGSTOP: connections time out instead of being refused), as in a partition or a
managed failover: every process rides it out, and the bot answers again within a minute of the thaw."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from bot.store.sessions import Phase
from tests.e2e.conftest import Stack, running_stack
from tests.e2e.helpers import design_thread, questions_messages, session_of, wait_for_questions
from tests.support.processes import BotProcess
from tests.support.redis_server import RedisServer, free_port
from tests.support.waiting import wait_until

FREEZE_SECONDS = float(os.environ.get("TECHSPEC_TEST_FREEZE_SECONDS", "40"))


@pytest.fixture(scope="module")
def frozen_stack() -> Iterator[tuple[Stack, RedisServer, int]]:
    """A stack on a redis-server of its own, its worker serving /healthz on a port of its own."""
    server = RedisServer().start()
    worker_port = free_port()
    try:
        with running_stack(server.url, TECHSPEC_METRICS_PORT=str(worker_port)) as stack:
            yield stack, server, worker_port
    finally:
        server.close()


def get(url: str) -> tuple[int, dict]:
    """Status and JSON body of a GET (errors included)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), json.loads(error.read() or b"{}")


def test_a_redis_freeze_with_a_job_in_flight_kills_nothing_and_the_bot_answers_after(
    frozen_stack: tuple[Stack, RedisServer, int],
) -> None:
    stack, server, worker_port = frozen_stack
    assert server.process is not None
    wait_until(lambda: get(f"http://127.0.0.1:{stack.port}/healthz")[1].get("workers") == 1, 20, message="a worker")
    # A job is running (held in the model call) when Redis freezes, as when the flaky outage test failed.
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    hold = stack.model.hold("ClarifyResult")
    stack.slack.post_message(channel, "UANA", "<@UBOT> spec", thread_ts=root)
    assert hold.wait_started(20), stack.logs()

    os.kill(server.process.pid, signal.SIGSTOP)
    frozen_at = time.monotonic()
    try:
        hold.release()
        status, body = get(f"http://127.0.0.1:{stack.port}/healthz")
        assert status == 503 and body["redis"] == "unreachable"
        assert get(f"http://127.0.0.1:{worker_port}/healthz")[0] == 200  # alive, waiting: not a restart case
        while time.monotonic() - frozen_at < FREEZE_SECONDS:
            assert all(p.process and p.process.poll() is None for p in stack.processes), stack.logs()
            time.sleep(1)  # the fault itself lasts FREEZE_SECONDS; this polls that no process died meanwhile
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
    thawed = time.monotonic()

    later = stack.new_channel()
    later_root = design_thread(stack, later)
    stack.slack.post_message(later, "UBOB", "<@UBOT> spec please", thread_ts=later_root)
    wait_for_questions(stack, later, later_root, timeout=60)
    print(f"\nquestions {time.monotonic() - thawed:.1f} s after a {FREEZE_SECONDS:.0f} s Redis freeze ended")
    assert all(p.process and p.process.poll() is None for p in stack.processes), stack.logs()
    assert get(f"http://127.0.0.1:{worker_port}/healthz")[0] == 200
    wait_until(lambda: get(f"http://127.0.0.1:{stack.port}/healthz")[1].get("workers") == 1, 30, message="worker")


def test_questions_posted_just_before_their_worker_died_are_not_posted_again(
    frozen_stack: tuple[Stack, RedisServer, int],
) -> None:
    # The same window a Redis freeze opens: the questions are in Slack, but their ts never reached Redis.
    stack, _, _ = frozen_stack
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    stack.slack.answer_latency["chat.postMessage"] = 3.0  # people see the post 3 s before the bot hears back
    try:
        stack.slack.post_message(channel, "UANA", "<@UBOT> spec", thread_ts=root)
        wait_for_questions(stack, channel, root)
        stack.processes[1].kill(signal.SIGKILL)
        stack.processes[1] = BotProcess("worker", stack.env).start()
    finally:
        stack.slack.answer_latency.clear()
    wait_until(
        lambda: (s := session_of(stack, channel, root)) and s.phase == Phase.AWAITING_ANSWERS,
        60,
        message=f"awaiting answers after the rerun\n{stack.logs()}",
    )
    assert len(questions_messages(stack.slack, channel, root)) == 1
