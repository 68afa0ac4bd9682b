"""Match the team's replies to the numbered questions they answer."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel

from bot.spec.attribution import Attribution, attribution_key
from bot.spec.records import Question, Reply

# Words that accept a suggested answer: "ok", "yes", "1 ok", "agreed", a thumbs-up...
_ACCEPT = r"(?:ok(?:ay)?|yes|yep|yeah|sure|agreed?|accept(?:ed)?|fine|lgtm|sounds\s+good|\+1|:\+1:|:thumbsup:|👍)"
# A question number that starts a part: at the start of a line ("1. foo", "1) foo", "Q1: foo", "#1 foo",
# "1: foo", "1 - foo", "1 ok") or after a comma or semicolon on the same line ("1 ok, 3: Postgres").
_NUMBERED = re.compile(
    rf"(?:^|(?<=[,;]))[ \t]*(?:(?:[Qq]|#)\s*(?P<tagged>\d{{1,2}})\s*[.):\-–]?"
    rf"|(?P<plain>\d{{1,2}})\s*(?:[.):\-–]|\s-\s|\s+(?={_ACCEPT}\b|{_ACCEPT}$)))\s*",
    re.MULTILINE | re.IGNORECASE,
)
# A whole reply that accepts every suggestion: "ok", "yes!", "ok to all", "sounds good".
_ACCEPT_ALL = re.compile(
    rf"\s*(?:all\s+)?{_ACCEPT}(?:\s*,?\s*(?:to\s+)?(?:all|everything|the\s+(?:suggestions|recommendations)))?[\s.!]*",
    re.IGNORECASE,
)
_ACCEPT_PART = re.compile(rf"\s*{_ACCEPT}[\s.!]*", re.IGNORECASE)
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


class AnswerPart(BaseModel):
    """A later reply that adds to an answer (it answers the question only in part)."""

    text: str
    user_id: str
    reply_ts: str


class MatchedAnswer(BaseModel):
    """An answer to one question, with who gave it and the reply it came from (plus replies adding to it)."""

    question_number: int
    text: str
    user_id: str
    reply_ts: str
    accepted_suggestion: bool = False
    added: list[AnswerPart] = []

    def parts(self) -> list[AnswerPart]:
        """Every reply that makes up this answer, oldest first."""
        first = AnswerPart(text=self.text, user_id=self.user_id, reply_ts=self.reply_ts)
        return sorted([first, *self.added], key=lambda p: float(p.reply_ts))


class Replacement(BaseModel):
    """A later reply that replaced an earlier answer to the same question."""

    question_number: int
    reply_ts: str
    user_id: str
    previous_reply_ts: str
    previous_user_id: str
    kind: Literal["replaced", "added"] = "replaced"


class AnswerSheet(BaseModel):
    """The latest answer per question plus replies that answer no numbered question."""

    answers: dict[int, MatchedAnswer]
    general: list[Reply]
    replacements: list[Replacement] = []

    def answered(self) -> set[int]:
        """Numbers of the questions that have an answer."""
        return set(self.answers)

    def unanswered(self, questions: Sequence[Question]) -> list[Question]:
        """The questions nobody answered."""
        return [q for q in questions if q.number not in self.answers]


def strip_bot_mention(text: str) -> str:
    """The reply's text without user mentions (a mention of the bot is a command, not an answer)."""
    return _MENTION.sub("", text).strip()


def split_numbered(text: str, question_count: int | Collection[int]) -> dict[int, str]:
    """Split 'n. answer' parts of one reply by question number (only numbers that name a question)."""
    numbers = range(1, question_count + 1) if isinstance(question_count, int) else question_count
    matches = [m for m in _NUMBERED.finditer(text) if _number(m) in numbers]
    parts: dict[int, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        answer = text[match.end() : end].strip().rstrip(",;").rstrip()
        if answer:
            parts[_number(match)] = answer
    return parts


def _number(match: re.Match[str]) -> int:
    return int(match.group("tagged") or match.group("plain"))


def is_acceptance(text: str) -> bool:
    """True when a reply (or one numbered part of it) just accepts the suggestion: "ok", "yes", "agreed"."""
    return _ACCEPT_PART.fullmatch(text) is not None


def match_answers(
    questions: Sequence[Question], replies: Sequence[Reply], attributions: Mapping[str, Attribution] | None = None
) -> AnswerSheet:
    """Assign replies to questions: numbered parts to their question, "ok" to the suggestions, the rest as
    the model attributed them (attributions, by attribution_key); a reply nobody could place is general.

    A later reply to a question replaces the earlier answer when it answers it fully, else adds to it.
    """
    by_number = {q.number: q for q in questions}
    sheet = AnswerSheet(answers={}, general=[])
    for reply in sorted(replies, key=lambda r: float(r.ts)):
        parts = explicit_parts(questions, reply, sheet)
        if parts is None:
            continue
        if parts:
            for number, answer in parts.items():
                _record(sheet, by_number[number], answer, reply, fully=True)
            continue
        found = (attributions or {}).get(attribution_key(reply))
        if found is not None and found.only_asks_to_proceed:
            continue  # "go ahead": a request to the bot, not input to the design
        if found is None or not found.questions:
            sheet.general.append(reply)  # chatter, a new point, or the model could not say: kept, not lost
            continue
        for number, fully in sorted(found.questions.items()):
            if number in by_number:
                _record(sheet, by_number[number], strip_bot_mention(reply.text), reply, fully=fully)
    return sheet


def explicit_parts(
    questions: Sequence[Question], reply: Reply, sheet: AnswerSheet | None = None
) -> dict[int, str] | None:
    """The answers a reply gives by number, form or "ok" ({} when it needs attributing; None: empty reply)."""
    text = strip_bot_mention(reply.text)
    if reply.answers is not None:
        return {n: a for n, a in reply.answers.items() if n in {q.number for q in questions} and a.strip()}
    if not text:
        return None
    if _ACCEPT_ALL.fullmatch(text):
        # "ok" accepts every suggestion not answered yet; it never overrides an explicit answer.
        taken = sheet.answers if sheet is not None else {}
        parts = {q.number: "ok" for q in questions if q.recommended_answer and q.number not in taken}
        if not parts and len(questions) == 1:
            parts = {questions[0].number: text}
        return parts
    return split_numbered(text, {q.number for q in questions})


def needs_attribution(questions: Sequence[Question], reply: Reply) -> bool:
    """True for a reply that is neither numbered, nor "ok", nor a form: the model must place it."""
    return bool(questions) and explicit_parts(questions, reply) == {}


def _record(sheet: AnswerSheet, question: Question, answer: str, reply: Reply, *, fully: bool) -> None:
    accepted = bool(question.recommended_answer) and is_acceptance(answer)
    earlier = sheet.answers.get(question.number)
    if earlier is not None and earlier.reply_ts != reply.ts:
        kind: Literal["replaced", "added"] = "replaced" if fully else "added"
        sheet.replacements.append(
            Replacement(
                question_number=question.number,
                reply_ts=reply.ts,
                user_id=reply.user_id,
                previous_reply_ts=earlier.reply_ts,
                previous_user_id=earlier.user_id,
                kind=kind,
            )
        )
        if kind == "added":
            earlier.added.append(AnswerPart(text=answer, user_id=reply.user_id, reply_ts=reply.ts))
            return
    sheet.answers[question.number] = MatchedAnswer(
        question_number=question.number,
        text=question.recommended_answer if accepted and question.recommended_answer else answer,
        user_id=reply.user_id,
        reply_ts=reply.ts,
        accepted_suggestion=accepted,
    )
