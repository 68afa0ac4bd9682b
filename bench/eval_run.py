"""One fixture thread through the spec pipeline, measured: read -> clarify -> answers -> write + checklist.

It drives the services directly rather than Slack (the end-to-end tests and `make real-model-check`
cover Slack, Redis and the processes) and honours the bot's own settings: the prompt budget fitted
to the model's context window, max output tokens, temperature, seed and structured mode.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.cost import price
from bench.eval_score import Quality, score
from bot.config import Settings
from bot.flow.budget import fitted_budget
from bot.llm.client import ModelClient, Usage
from bot.llm.port import PromptedModel
from bot.llm.prompts import PromptLibrary
from bot.llm.tokens import token_counter
from bot.spec.answers import AnswerSheet, MatchedAnswer
from bot.spec.checklist import template_sections
from bot.spec.clarify import clarify
from bot.spec.discussion import build_discussion
from bot.spec.document import TechnicalSpecDraft
from bot.spec.records import Question
from bot.spec.render import Clarification, RenderContext, render_spec
from bot.spec.transcript import ThreadMessage
from bot.spec.writer import write_checked_spec

MAX_QUESTIONS = 12
BASE_TS = 1_760_000_000


@dataclass
class ThreadResult:
    """What one thread measured (error: why it could not be measured; the run goes on)."""

    thread: str
    before: tuple[int, int] = (0, 0)
    after: tuple[int, int] = (0, 0)
    rounds: int = 0
    needs_human: list[str] = field(default_factory=list)
    sourced: tuple[int, int] = (0, 0)
    questions: dict[str, int] = field(default_factory=dict)
    quality: Quality = field(default_factory=Quality)
    language: str = ""
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    cost: float | None = None
    error: str | None = None
    judge: dict[str, tuple[int, int]] = field(default_factory=dict)
    judge_notes: list[str] = field(default_factory=list)
    attribution: tuple[int, int] | None = None
    markdown: str = field(repr=False, default="")
    spec: TechnicalSpecDraft | None = field(repr=False, default=None)
    transcript: str = field(repr=False, default="")


@dataclass
class EvalContext:
    """What every thread of a run shares."""

    settings: Settings
    model: ModelClient
    prompts: PromptLibrary
    documents: Any
    now: Any
    prices: dict[str, Any] | None = None


def _ts(index: int) -> str:
    return f"{BASE_TS + index * 60}.000100"


def run_thread(name: str, fixture: dict[str, Any], ctx: EvalContext) -> ThreadResult:
    """Measure one thread; any failure is recorded on the result instead of ending the run."""
    result = ThreadResult(thread=name)
    used, started = len(ctx.model.usage), time.perf_counter()
    try:
        _measure(result, fixture, ctx)
    except Exception as exc:  # a failing thread is a figure, not the end of the eval
        result.error = f"{type(exc).__name__}: {str(exc)[:160]}"
    usage = ctx.model.usage[used:]
    result.seconds = round(time.perf_counter() - started, 2)
    result.calls = len(usage)
    result.prompt_tokens = sum(u.prompt_tokens for u in usage)
    result.completion_tokens = sum(u.completion_tokens for u in usage)
    result.cost = _cost(usage, ctx)
    return result


def _measure(result: ThreadResult, fixture: dict[str, Any], ctx: EvalContext) -> None:
    people: dict[str, str] = fixture["people"]
    messages = [
        ThreadMessage(ts=_ts(i), user_id=user, author=people.get(user, user), text=text, is_bot=False)
        for i, (user, text) in enumerate(fixture["messages"])
    ]
    llm = PromptedModel(ctx.model, ctx.prompts)
    budget = fitted_budget(ctx.settings, ctx.model, llm)
    count = token_counter(ctx.settings.openai_model).count
    common = {"names": people, "token_budget": budget, "prompts": ctx.prompts, "count": count}
    empty = AnswerSheet(answers={}, general=[])
    first = build_discussion(messages, questions=[], questions_ts=None, sheet=empty, **common)
    outcome = clarify(first, llm, MAX_QUESTIONS)
    # Scored now, so a write that fails still leaves the questions' figures.
    result.questions = dict(Counter(q.area.value for q in outcome.questions))
    result.quality = score(None, outcome.questions, fixture.get("annotations") or {})
    result.language = outcome.language
    sheet = _answer_sheet(fixture, outcome.questions, len(messages))
    discussion = build_discussion(
        messages, questions=outcome.questions, questions_ts=_ts(len(messages)), sheet=sheet, **common
    )
    written = write_checked_spec(
        discussion,
        outcome.language,
        llm,
        sections=template_sections(ctx.documents),
        repair_rounds=ctx.settings.techspec_checklist_repair_rounds,
    )
    spec = written.spec
    result.before = (written.before.passed_count, written.before.total)
    result.after = (written.after.passed_count, written.after.total)
    result.rounds = written.rounds
    result.needs_human = [r.item for r in written.needs_human]
    result.sourced = (sum(1 for fr in spec.functional_requirements if fr.sources), len(spec.functional_requirements))
    result.quality = score(spec, outcome.questions, fixture.get("annotations") or {})
    clarifications = [
        Clarification(number=c.number, area=c.area, question=c.question, answer=c.answer, answered_by=c.answered_by)
        for c in discussion.clarifications
    ]
    context = RenderContext(generated_at=ctx.now, channel_name="eval", clarifications=clarifications)
    result.markdown = render_spec(spec, context, ctx.documents)
    result.spec, result.transcript = spec, discussion.transcript  # for the judge, after the measured calls


def _answer_sheet(fixture: dict[str, Any], questions: list[Question], after: int) -> AnswerSheet:
    """The fixture's answers to the questions asked (by area), as if replied after message number after."""
    answers: dict[int, MatchedAnswer] = {}
    for offset, question in enumerate(questions, start=1):
        given = fixture.get("answers", {}).get(question.area.value)
        if given:
            answers[question.number] = MatchedAnswer(
                question_number=question.number, text=given[1], user_id=given[0], reply_ts=_ts(after + offset)
            )
    return AnswerSheet(answers=answers, general=[])


def _cost(usage: list[Usage], ctx: EvalContext) -> float | None:
    """Dollars at bench/prices.toml's rates for the model, None when the table has no row for it."""
    if not ctx.prices or ctx.model.model not in ctx.prices.get("models", {}):
        return None
    calls = [
        {
            "prompt_tokens": u.prompt_tokens,
            "completion_tokens": u.completion_tokens,
            "prompt_tokens_details": {"cached_tokens": u.cached_tokens},
        }
        for u in usage
    ]
    return price(calls, ctx.prices, ctx.model.model)
