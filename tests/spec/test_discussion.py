"""The discussion the model reads: whole when it fits, condensed (map-reduce) when not, always within budget."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.config import DEFAULT_PROMPTS_DIR
from bot.llm.client import ModelClient
from bot.llm.port import PromptedModel
from bot.llm.prompts import PromptLibrary
from bot.llm.tokens import token_counter
from bot.spec.answers import AnswerSheet
from bot.spec.clarify import clarify
from bot.spec.condense import Line, ThreadTooLongError, condense_history
from bot.spec.discussion import Discussion, build_discussion
from bot.spec.transcript import ThreadMessage
from tests.fakes.model import ModelEmulator

PROMPTS = PromptLibrary(DEFAULT_PROMPTS_DIR)
COUNT = token_counter("gpt-4.1").count
FILLER = "I think we should look at the retry behaviour again, and the dashboards, before we commit to anything."


def notes_from_prompt(schema: str | None, body: dict[str, Any]) -> dict[str, Any] | None:
    """A stand-in model for the condense step: every line saying DECISION becomes a decision note."""
    if schema != "CondensedNotes":
        return None
    text = "\n".join(str(m.get("content", "")) for m in body["messages"])
    decisions = [
        {"text": m.group(1).strip(), "authors": ["Ana"], "sources": re.findall(r"\bM\d+\b", m.group(0))}
        for m in re.finditer(r"^.*?(DECISION[^(\n]*).*$", text, re.MULTILINE)
    ]
    return {"decisions": decisions, "constraints": [], "open_questions": []}


@pytest.fixture
def model(emulator: ModelEmulator) -> PromptedModel:
    emulator.clear()
    emulator.requests.clear()
    emulator.responder = notes_from_prompt
    client = ModelClient(api_key="k", base_url=emulator.base_url, model="gpt-4.1", timeout=10, max_retries=0)
    return PromptedModel(client, PROMPTS)


def thread(n: int) -> list[ThreadMessage]:
    messages = [
        ThreadMessage(
            ts=f"{1000 + i}.0",
            user_id="UANA" if i % 2 else "UBOB",
            author="Ana" if i % 2 else "Bob",
            text=f"{FILLER} ({i})",
            is_bot=False,
        )
        for i in range(1, n + 1)
    ]
    messages[2] = messages[2].model_copy(update={"text": "DECISION exports are stored in Postgres 16"})
    return messages


def discussion_of(messages: list[ThreadMessage], budget: int, model: PromptedModel, max_chunks: int = 16) -> Discussion:
    def condense(lines: list[Line], notes_budget: int) -> Any:
        return condense_history(
            lines,
            llm=model,
            count=COUNT,
            chunk_budget=budget - 2_000,
            notes_budget=notes_budget,
            max_chunks=max_chunks,
        )

    return build_discussion(
        messages,
        questions=[],
        questions_ts=None,
        sheet=AnswerSheet(answers={}, general=[]),
        names={},
        token_budget=budget,
        prompts=PROMPTS,
        now=9_000.0,
        count=COUNT,
        condense=condense,
    )


def prompt_tokens(emulator: ModelEmulator, schema: str) -> list[int]:
    return [COUNT(emulator.prompt_text(r)) for r in emulator.calls(schema)]


def test_ten_messages_go_whole_without_model_calls(model: PromptedModel, emulator: ModelEmulator) -> None:
    discussion = discussion_of(thread(10), 8_000, model)
    assert not discussion.condensed
    assert discussion.transcript.count("\n[M") == 9 and "[M10]" in discussion.transcript
    assert emulator.calls("CondensedNotes") == []


def test_over_budget_thread_is_condensed_and_the_prompt_stays_in_budget(
    model: PromptedModel, emulator: ModelEmulator
) -> None:
    budget = 8_000
    discussion = discussion_of(thread(500), budget, model)
    assert discussion.condensed and discussion.message_count == 500
    # The decision of message 3 survives in the notes, with its label; the newest messages are verbatim.
    assert "DECISION exports are stored in Postgres 16 (Ana; M3)" in discussion.transcript
    assert f"[M500] Bob (2 h ago): {FILLER} (500)" in discussion.transcript
    assert "are too long to include" in discussion.transcript
    chunk_calls = [r for r in emulator.calls("CondensedNotes") if "take notes" in emulator.prompt_text(r)]
    assert 1 < len(chunk_calls) <= 16
    assert max(prompt_tokens(emulator, "CondensedNotes")) <= budget
    clarify(discussion, model, 12)
    [clarify_prompt] = prompt_tokens(emulator, "ClarifyResult")
    assert clarify_prompt <= budget


def test_chunk_calls_are_bounded(model: PromptedModel) -> None:
    with pytest.raises(ThreadTooLongError) as raised:
        discussion_of(thread(500), 4_000, model, max_chunks=2)
    assert "too long" in raised.value.user_message
