"""Build what the model reads: the labelled transcript, the answers, and the budget."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from bot.llm.prompts import PromptLibrary
from bot.llm.tokens import estimate_tokens
from bot.spec.answers import AnswerSheet
from bot.spec.condense import CondensedHistory, Line
from bot.spec.markers import TranscriptMarkers
from bot.spec.records import Question, Reply
from bot.spec.redaction import redact
from bot.spec.transcript import ThreadMessage


class AnswerQuote(BaseModel):
    """One reply's own words in an answer, with its author's name and the reply's ts (for the link)."""

    text: str
    author: str
    reply_ts: str


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
    quotes: list[AnswerQuote] = []  # every reply making up the answer, oldest first


class RevisionContext(BaseModel):
    """For a revision: the version being revised (the transcript then holds only what was said since)."""

    version: int
    title: str
    language: str
    spec_markdown: str


class Discussion(BaseModel):
    """The redacted transcript and answers as the model will see them, with label -> ts maps."""

    transcript: str
    message_count: int
    condensed: bool
    redacted_count: int
    message_labels: dict[str, str]
    clarifications: list[Clarification]
    general_replies: list[Clarification]
    message_authors: dict[str, str] = {}  # label -> user id of the person who wrote that message
    revision: RevisionContext | None = None


# Room for the instructions, the system prompt and (json_object mode) the schema, within the budget.
PROMPT_RESERVE = 6_000
# Takes the earlier lines and the tokens their notes may use; returns the notes.
Condenser = Callable[[list[Line], int], CondensedHistory]


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
    prompts: PromptLibrary,
    now: float | None = None,
    count: Callable[[str], int] = estimate_tokens,
    condense: Condenser | None = None,
    since_ts: str | None = None,
) -> Discussion:
    """Label messages M1..Mn and answers A1..An, redact secrets, and keep the prompt within token_budget.

    A thread over budget has its earlier messages condensed by `condense` and its newest kept verbatim.
    """
    markers = TranscriptMarkers(prompts)
    labelled = {f"M{i}": m for i, m in enumerate(human_messages(messages, questions_ts), start=1)}
    shown = said_since(labelled, since_ts)
    now = time.time() if now is None else now
    lines, line_secrets = labelled_lines(shown, now, count, max(200, token_budget // 8), markers)
    answers = redacted_answers(questions, sheet, names, count)
    budget = transcript_budget(token_budget, answers.tokens)
    # The verbatim tail is sized without the answers, so the clarify and write steps split the thread
    # at the same message and the write step can reuse the clarify step's condensed notes.
    recent_budget = min(budget, transcript_budget(token_budget, 0)) // 2
    transcript, history = fit_transcript(lines, budget, count, condense, markers, recent_budget)
    return Discussion(
        transcript=transcript,
        message_count=len(shown),
        condensed=history is not None,
        # Distinct secrets: one pasted in a message and again in an answer is one secret redacted.
        redacted_count=len(line_secrets | answers.secrets),
        message_labels={label: m.ts for label, m in labelled.items()},
        clarifications=answers.clarifications,
        general_replies=answers.general,
        message_authors={label: m.user_id for label, m in labelled.items() if m.user_id},
    )


def said_since(labelled: dict[str, ThreadMessage], since_ts: str | None) -> dict[str, ThreadMessage]:
    """The messages after since_ts (all when None), keeping their labels.

    A revision shows only what was said since the last version, but keeps every message's label, so
    the earlier version's citations ([M3]) still point at the same messages.
    """
    if not since_ts:
        return labelled
    return {label: m for label, m in labelled.items() if float(m.ts) > float(since_ts)}


def transcript_budget(token_budget: int, answer_tokens: int) -> int:
    """Tokens left for the transcript once the instructions (and a schema) and the answers are counted."""
    reserve = min(PROMPT_RESERVE, token_budget // 4)
    return max(token_budget - reserve - answer_tokens, token_budget // 4)


def labelled_lines(
    messages: Mapping[str, ThreadMessage],
    now: float,
    count: Callable[[str], int],
    cap: int,
    markers: TranscriptMarkers,
) -> tuple[list[Line], frozenset[str]]:
    """The transcript entries by label, each redacted and counted (the fingerprints of the secrets found);
    one over cap tokens is clipped, saying so."""
    lines: list[Line] = []
    secrets: set[str] = set()
    for label, message in messages.items():
        result = redact(markers.line(label, message, now))
        secrets |= result.fingerprints
        text, tokens = result.text, count(result.text)
        if tokens > cap:
            keep = max(1, len(text) * cap // tokens - 120)
            text = markers.clipped(text[:keep], label, len(text) - keep)
            tokens = count(text)
        digest = hashlib.sha256(f"{message.ts}|{message.edited}|{message.model_dump_json()}".encode()).hexdigest()
        lines.append(Line(label=label, text=text, tokens=tokens, digest=digest))
    return lines, frozenset(secrets)


def fit_transcript(
    lines: Sequence[Line],
    budget: int,
    count: Callable[[str], int],
    condense: Condenser | None,
    markers: TranscriptMarkers,
    recent_budget: int | None = None,
) -> tuple[str, CondensedHistory | None]:
    """All lines when they fit; else condensed notes on the earlier lines followed by the newest lines verbatim."""
    if sum(line.tokens + 1 for line in lines) <= budget:
        return "\n".join(line.text for line in lines), None
    if condense is None:
        raise ValueError("the transcript is over budget and no condenser was given")
    recent: list[Line] = []
    used = 0
    for line in reversed(lines):
        if recent and used + line.tokens + 1 > (recent_budget or budget // 2):
            break
        recent.append(line)
        used += line.tokens + 1
    recent.reverse()
    earlier = list(lines[: len(lines) - len(recent)])
    header = markers.condensed_header(
        (earlier[0].label, earlier[-1].label, len(earlier)), (recent[0].label, recent[-1].label)
    )
    footer = markers.verbatim_footer(recent[0].label, recent[-1].label)
    history = condense(earlier, budget - used - count(header) - count(footer) - 8)
    return "\n".join([header, history.text, footer, *(line.text for line in recent)]), history


@dataclass(frozen=True)
class RedactedAnswers:
    """The labelled answers with secrets redacted, the fingerprints of those secrets, and their tokens in a prompt."""

    clarifications: list[Clarification]
    general: list[Clarification]
    secrets: frozenset[str]
    tokens: int


def redacted_answers(
    questions: Sequence[Question], sheet: AnswerSheet, names: dict[str, str], count: Callable[[str], int]
) -> RedactedAnswers:
    """Label the answers A1..An after the questions they answer, redact them, and count their tokens."""
    clarifications, general = _label_answers(questions, sheet, names)
    secrets: set[str] = set()
    tokens = 0
    for item in [*clarifications, *general]:
        if item.answer:
            result = redact(item.answer)
            item.answer = result.text
            secrets |= result.fingerprints
        for quote in item.quotes:
            quote.text = redact(quote.text).text  # its secrets are counted once, above, in the joined answer
        tokens += count(f"{item.question} {item.recommended or ''} {item.answer or ''}") + 12
    return RedactedAnswers(clarifications, general, frozenset(secrets), tokens)


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
        quotes = [_quote(p.text, p.user_id, p.reply_ts, names) for p in answer.parts()] if answer else []
        clarifications.append(
            Clarification(
                number=question.number,
                area=question.area.label,
                question=question.text,
                recommended=question.recommended_answer,
                answer="\n".join(q.text for q in quotes) if answer else None,
                answered_by=", ".join(dict.fromkeys(q.author for q in quotes)) if answer else None,
                label=label,
                reply_ts=answer.reply_ts if answer else None,
                quotes=quotes,
            )
        )
    general = [_general(reply, f"A{counter + i}", names) for i, reply in enumerate(sheet.general, start=1)]
    return clarifications, general


def _general(reply: Reply, label: str, names: dict[str, str]) -> Clarification:
    """A reply that answers no question, labelled for citation."""
    quote = _quote(reply.text, reply.user_id, reply.ts, names)
    return Clarification(
        number=0,
        area="",
        question="",
        recommended=None,
        answer=reply.text,
        answered_by=quote.author,
        label=label,
        reply_ts=reply.ts,
        quotes=[quote],
    )


def _quote(text: str, user_id: str, reply_ts: str, names: dict[str, str]) -> AnswerQuote:
    return AnswerQuote(text=text, author=names.get(user_id, user_id), reply_ts=reply_ts)
