"""Build what the model reads: the labelled transcript, the answers, and the budget."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from pydantic import BaseModel

from bot.answers import AnswerSheet
from bot.models import Question
from bot.redact import redact
from bot.transcript import ThreadMessage, format_line


class Clarification(BaseModel):
    """A question with its answer (if any), labelled for citation."""

    number: int
    area: str
    question: str
    recommended: str | None
    answer: str | None
    answered_by: str | None
    label: str | None
    reply_ts: str | None


class Discussion(BaseModel):
    """The redacted transcript and answers as the model will see them, with label -> ts maps."""

    transcript: str
    message_count: int
    condensed: bool
    redacted_count: int
    message_labels: dict[str, str]
    clarifications: list[Clarification]
    general_replies: list[Clarification]


def estimate_tokens(text: str) -> int:
    """A conservative token estimate (about four bytes a token, plus a 20% margin)."""
    return math.ceil(len(text.encode()) / 4 * 1.2)


def human_messages(messages: Sequence[ThreadMessage], before_ts: str | None) -> list[ThreadMessage]:
    """The people's messages of the discussion (the bot's own are not discussion), up to before_ts."""
    cutoff = float(before_ts) if before_ts else math.inf
    return [m for m in messages if not m.is_bot and float(m.ts) < cutoff]


def build_discussion(
    messages: Sequence[ThreadMessage],
    *,
    questions: Sequence[Question],
    questions_ts: str | None,
    sheet: AnswerSheet,
    names: dict[str, str],
    token_budget: int,
    now: float | None = None,
) -> Discussion:
    """Label messages M1..Mn and answers A1..An, redact secrets, and keep the transcript within budget."""
    now = time.time() if now is None else now
    discussion = human_messages(messages, questions_ts)
    labels = {f"M{i}": m.ts for i, m in enumerate(discussion, start=1)}
    lines = [format_line(label, m, now) for label, m in zip(labels, discussion, strict=True)]
    kept, condensed = _fit(lines, token_budget)
    redaction = redact("\n".join(kept))
    clarifications, general = _label_answers(questions, sheet, names)
    answer_redactions = 0
    for item in [*clarifications, *general]:
        if item.answer:
            result = redact(item.answer)
            item.answer, answer_redactions = result.text, answer_redactions + result.count
    return Discussion(
        transcript=redaction.text,
        message_count=len(discussion),
        condensed=condensed,
        redacted_count=redaction.count + answer_redactions,
        message_labels=labels,
        clarifications=clarifications,
        general_replies=general,
    )


def _fit(lines: list[str], budget: int) -> tuple[list[str], bool]:
    """Keep the first message and as many of the newest as fit; say how many were left out."""
    if estimate_tokens("\n".join(lines)) <= budget or len(lines) <= 2:
        return lines, False
    head, tail = lines[0], []
    used = estimate_tokens(head) + 50
    for line in reversed(lines[1:]):
        cost = estimate_tokens(line) + 1
        if used + cost > budget:
            break
        tail.append(line)
        used += cost
    tail.reverse()
    omitted = len(lines) - 1 - len(tail)
    return [head, f"[... {omitted} earlier messages not shown to stay within the model's budget ...]", *tail], True


def _label_answers(
    questions: Sequence[Question], sheet: AnswerSheet, names: dict[str, str]
) -> tuple[list[Clarification], list[Clarification]]:
    clarifications: list[Clarification] = []
    counter = 0
    for question in questions:
        answer = sheet.answers.get(question.number)
        label = None
        if answer:
            counter += 1
            label = f"A{counter}"
        clarifications.append(
            Clarification(
                number=question.number,
                area=question.area.label,
                question=question.text,
                recommended=question.recommended_answer,
                answer=answer.text if answer else None,
                answered_by=names.get(answer.user_id, answer.user_id) if answer else None,
                label=label,
                reply_ts=answer.reply_ts if answer else None,
            )
        )
    general = []
    for reply in sheet.general:
        counter += 1
        general.append(
            Clarification(
                number=0,
                area="",
                question="",
                recommended=None,
                answer=reply.text,
                answered_by=names.get(reply.user_id, reply.user_id),
                label=f"A{counter}",
                reply_ts=reply.ts,
            )
        )
    return clarifications, general
