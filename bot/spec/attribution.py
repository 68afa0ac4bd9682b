"""Which questions a free-form reply answers: one small structured model request per batch of replies.

The model only says *which* questions each reply answers and whether fully; the answer recorded is
always the person's own words. Replies are labelled R1..Rn (never by ts or user id), redacted and
clipped before the model sees them, and sit inside <replies> as data, never instructions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from pydantic import BaseModel

from bot.llm.port import PromptedModel
from bot.spec.records import Question, Reply
from bot.spec.redaction import redact
from bot.spec.schemas import Strict

# One reply of a flood must not crowd out the rest: the model reads at most this much of each.
REPLY_CHARS = 1_500
# Replies per request: a burst costs one request; a flood a few, each bounded.
BATCH_SIZE = 20


class AnsweredQuestion(Strict):
    """One question a reply answers, and whether it answers it fully."""

    question: int
    fully: bool


class AttributedReply(Strict):
    """The questions one reply answers (none: chatter, a new point, a disagreement)."""

    reply: str
    answers: list[AnsweredQuestion]
    # "go ahead", "write it": a request to the bot that says nothing about the design (not kept as input).
    only_asks_to_proceed: bool


class AttributionResult(Strict):
    """The model's verdict for a batch of replies."""

    replies: list[AttributedReply]


class Attribution(BaseModel):
    """Which questions one reply answers (question number -> answers it fully); empty: none."""

    questions: dict[int, bool] = {}
    only_asks_to_proceed: bool = False


class PromptReply(BaseModel):
    """A reply as the attribution prompt shows it."""

    label: str
    text: str


def attribution_key(reply: Reply) -> str:
    """The cache key of a reply's attribution: its ts and (hashed, redacted) text, so an edit is asked anew."""
    text = redact(reply.text).text
    return f"{reply.ts}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def attribute(questions: Sequence[Question], replies: Sequence[Reply], llm: PromptedModel) -> dict[str, Attribution]:
    """Ask the model which questions each reply answers (in batches); keyed by attribution_key."""
    found: dict[str, Attribution] = {}
    for start in range(0, len(replies), BATCH_SIZE):
        found |= _attribute_batch(questions, replies[start : start + BATCH_SIZE], llm)
    return found


def _attribute_batch(
    questions: Sequence[Question], replies: Sequence[Reply], llm: PromptedModel
) -> dict[str, Attribution]:
    shown = [PromptReply(label=f"R{i}", text=_clipped(r.text)) for i, r in enumerate(replies, start=1)]
    result = llm.ask(
        AttributionResult,
        "attribute",
        questions=[{"number": q.number, "area": q.area.label, "text": q.text} for q in questions],
        replies=[r.model_dump() for r in shown],
    )
    numbers = {q.number for q in questions}
    by_label = {r.label: reply for r, reply in zip(shown, replies, strict=True)}
    found = {attribution_key(reply): Attribution() for reply in replies}
    for item in result.replies:
        reply = by_label.get(item.reply.strip().strip("[]").upper())
        if reply is None:
            continue  # a label the model made up
        answered = {a.question: a.fully for a in item.answers if a.question in numbers}
        proceed_only = item.only_asks_to_proceed and not answered
        found[attribution_key(reply)] = Attribution(questions=answered, only_asks_to_proceed=proceed_only)
    return found


def _clipped(text: str) -> str:
    # A reply cannot close the <replies> block it sits in and speak as the prompt.
    text = redact(text).text.replace("<", "‹").replace(">", "›")
    return text if len(text) <= REPLY_CHARS else text[:REPLY_CHARS] + " …"
