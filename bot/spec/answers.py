"""Match the team's replies to the numbered questions they answer."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from pydantic import BaseModel

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


class MatchedAnswer(BaseModel):
    """An answer to one question, with who gave it and the reply it came from."""

    question_number: int
    text: str
    user_id: str
    reply_ts: str
    accepted_suggestion: bool = False


class Replacement(BaseModel):
    """A later reply that replaced an earlier answer to the same question."""

    question_number: int
    reply_ts: str
    user_id: str
    previous_reply_ts: str
    previous_user_id: str


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


def match_answers(questions: Sequence[Question], replies: Sequence[Reply]) -> AnswerSheet:
    """Assign replies to questions: numbered parts to their question, "ok" to the suggestions, a lone
    question takes any reply; a later reply to a question replaces the earlier answer (and is noted)."""
    by_number = {q.number: q for q in questions}
    sheet = AnswerSheet(answers={}, general=[])
    for reply in sorted(replies, key=lambda r: float(r.ts)):
        text = strip_bot_mention(reply.text)
        if reply.answers is not None:
            parts = {n: a for n, a in reply.answers.items() if n in by_number and a.strip()}
        elif not text:
            continue
        elif _ACCEPT_ALL.fullmatch(text):
            # "ok" accepts every suggestion not answered yet; it never overrides an explicit answer.
            parts = {q.number: "ok" for q in questions if q.recommended_answer and q.number not in sheet.answers}
            if not parts and len(questions) == 1:
                parts = {questions[0].number: text}
        else:
            parts = split_numbered(text, {q.number for q in questions})
            if not parts and len(questions) == 1:
                parts = {questions[0].number: text}
        if not parts:
            sheet.general.append(reply)
            continue
        for number, answer in parts.items():
            _record(sheet, by_number[number], answer, reply)
    return sheet


def _record(sheet: AnswerSheet, question: Question, answer: str, reply: Reply) -> None:
    accepted = bool(question.recommended_answer) and is_acceptance(answer)
    earlier = sheet.answers.get(question.number)
    if earlier is not None and earlier.reply_ts != reply.ts:
        sheet.replacements.append(
            Replacement(
                question_number=question.number,
                reply_ts=reply.ts,
                user_id=reply.user_id,
                previous_reply_ts=earlier.reply_ts,
                previous_user_id=earlier.user_id,
            )
        )
    sheet.answers[question.number] = MatchedAnswer(
        question_number=question.number,
        text=question.recommended_answer if accepted and question.recommended_answer else answer,
        user_id=reply.user_id,
        reply_ts=reply.ts,
        accepted_suggestion=accepted,
    )
