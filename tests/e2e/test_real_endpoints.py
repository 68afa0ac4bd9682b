"""The whole bot against endpoints that behave like real servers: true messages, no stacked retries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import Stack, running_stack
from tests.e2e.helpers import bot_messages, design_thread, wait_for_questions
from tests.fakes.model import profiles
from tests.support.waiting import wait_until


@pytest.fixture(scope="module")
def small(redis_url: str) -> Iterator[Stack]:
    """A stack whose model has a 1,500-token window it does not announce."""
    with running_stack(redis_url.rsplit("/", 1)[0] + "/3") as stack:
        stack.model.profile = profiles.ServerProfile(context_window=1500)
        yield stack


def test_a_prompt_over_the_window_says_so_and_not_check_the_key(small: Stack) -> None:
    channel = small.new_channel()
    root = design_thread(small, channel)
    small.slack.post_message(channel, "UANA", "<@UBOT> spec", thread_ts=root)

    def failure() -> str:
        texts = [str(m.get("text", "")) for m in bot_messages(small.slack, channel, root)]
        return next((t for t in texts if t.startswith(":warning:")), "")

    text = wait_until(failure, 30, message=f"failure message\n{small.logs()}")
    assert "too long for this model's context" in text
    assert "OPENAI_API_KEY" not in text and "timed out" not in text
    assert [r.response_status for r in small.model.requests] == [400]  # not retried: it cannot fit
    assert "context_length_exceeded" in small.full_logs() or "maximum context length" in small.full_logs()


@pytest.fixture(scope="module")
def llama(redis_url: str) -> Iterator[Stack]:
    """A stack whose model is llama_cpp.server: json_schema refused with a 500, one slot."""
    with running_stack(redis_url.rsplit("/", 1)[0] + "/4") as stack:
        stack.model.profile = profiles.llama_cpp_python()
        yield stack


def test_a_refused_format_moves_on_once_and_is_remembered_across_processes(llama: Stack) -> None:
    for _ in range(2):
        channel = llama.new_channel()
        root = design_thread(llama, channel)
        llama.slack.post_message(channel, "UANA", "<@UBOT> spec", thread_ts=root)
        wait_for_questions(llama, channel, root)
    formats = [profiles.format_of(r.body) for r in llama.model.requests]
    # One refusal, not retried; then json_object with the schema field for every call (learnt in Redis).
    assert formats == ["json_schema", "json_object", "json_object"], formats
    assert [r.response_status for r in llama.model.requests] == [500, 200, 200]
    assert profiles.LLAMA_CPP_LITERAL in llama.full_logs()
