"""Match the team's replies to the numbered questions they answer."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel

from bot.models import Question, Reply

# "1. foo", "1) foo", "Q1: foo", "#1 foo", "1: foo", "1 - foo" at the start of a line.
_NUMBERED = re.compile(
    r"^\s*(?:(?:[Qq]|#)\s*(?P<tagged>\d{1,2})\s*[.):\-–]?|(?P<plain>\d{1,2})\s*(?:[.):\-–]|\s-\s))\s*",
    re.MULTILINE,
)
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


class MatchedAnswer(BaseModel):
    """An answer to one question, with who gave it and the reply it came from."""

    question_number: int
    text: str
    user_id: str
    reply_ts: str


class AnswerSheet(BaseModel):
    """The latest answer per question plus replies that answer no numbered question."""

    answers: dict[int, MatchedAnswer]
    general: list[Reply]

    def answered(self) -> set[int]:
        """Numbers of the questions that have an answer."""
        return set(self.answers)

    def unanswered(self, questions: Sequence[Question]) -> list[Question]:
        """The questions nobody answered."""
        return [q for q in questions if q.number not in self.answers]


def strip_bot_mention(text: str) -> str:
    """The reply's text without user mentions (a mention of the bot is a command, not an answer)."""
    return _MENTION.sub("", text).strip()


def split_numbered(text: str, question_count: int) -> dict[int, str]:
    """Split 'n. answer' parts of one reply by question number (only numbers that name a question)."""
    matches = [m for m in _NUMBERED.finditer(text) if 1 <= _number(m) <= question_count]
    parts: dict[int, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        answer = text[match.end() : end].strip()
        if answer:
            parts[_number(match)] = answer
    return parts


def _number(match: re.Match[str]) -> int:
    return int(match.group("tagged") or match.group("plain"))


def match_answers(questions: Sequence[Question], replies: Sequence[Reply]) -> AnswerSheet:
    """Assign replies to questions: numbered parts to their question, a lone question takes any reply."""
    answers: dict[int, MatchedAnswer] = {}
    general: list[Reply] = []
    for reply in sorted(replies, key=lambda r: float(r.ts)):
        text = strip_bot_mention(reply.text)
        if not text:
            continue
        parts = split_numbered(text, len(questions))
        if not parts and len(questions) == 1:
            parts = {questions[0].number: text}
        if not parts:
            general.append(reply)
            continue
        for number, answer in parts.items():
            # A later reply to the same question replaces the earlier one.
            answers[number] = MatchedAnswer(
                question_number=number, text=answer, user_id=reply.user_id, reply_ts=reply.ts
            )
    return AnswerSheet(answers=answers, general=general)
