"""The README's run command: the whole bot in one process, no Redis server needed (embedded store)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import Stack, bot_env, start_emulators
from tests.e2e.helpers import design_thread, wait_for_pinned_spec, wait_for_questions
from tests.support.processes import BotProcess, wait_http_ok
from tests.support.redis_server import free_port


@pytest.fixture(scope="module")
def one_process() -> Iterator[Stack]:
    """`python -m bot run` in HTTP mode with no REDIS_URL, against the emulators."""
    slack, model = start_emulators()
    port = free_port()
    env = bot_env(slack.api_url, model.base_url, "", port)
    del env["REDIS_URL"]
    process = BotProcess("run", env, command="python -m bot run").start()
    stack = Stack(slack=slack, model=model, redis=None, env=env, port=port, processes=[process])  # type: ignore[arg-type]
    try:
        wait_http_ok(f"http://127.0.0.1:{port}/healthz", process=process)
        slack.events_url = f"http://127.0.0.1:{port}/slack/events"
        yield stack
    finally:
        process.stop()
        slack.stop()
        model.stop()


def test_one_process_with_the_embedded_store_writes_a_spec(one_process: Stack) -> None:
    stack = one_process
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    stack.slack.post_message(channel, "UANA", "<@UBOT> spec please", thread_ts=root)
    wait_for_questions(stack, channel, root)
    stack.slack.post_message(channel, "UBOB", "1. Postgres", thread_ts=root)
    stack.slack.post_message(channel, "UANA", "<@UBOT> go ahead", thread_ts=root)
    spec = wait_for_pinned_spec(stack, channel, root)
    assert spec.content.decode().startswith("## Technical Spec:")
    assert "embedded redis started" in stack.full_logs()
