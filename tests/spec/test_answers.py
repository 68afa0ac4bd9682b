"""Matching replies to numbered questions."""

from __future__ import annotations

import pytest

from bot.spec.answers import match_answers, split_numbered
from bot.spec.records import Question, Reply
from bot.spec.schemas import Area

QUESTIONS = [
    Question(number=1, area=Area.DATA, text="Which database?"),
    Question(number=2, area=Area.PERFORMANCE, text="Latency target?"),
    Question(number=3, area=Area.SECURITY, text="Who may export?"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1. Postgres\n2. p99 200 ms", {1: "Postgres", 2: "p99 200 ms"}),
        ("1) Postgres 2) ignored-inline", {1: "Postgres 2) ignored-inline"}),
        ("Q3: admins only", {3: "admins only"}),
        ("#2 under a second", {2: "under a second"}),
        ("3 - admins", {3: "admins"}),
        ("We should use Postgres", {}),
        ("7. out of range", {}),
        ("1.", {}),
    ],
)
def test_split_numbered(text: str, expected: dict[int, str]) -> None:
    assert split_numbered(text, 3) == expected


def test_later_reply_replaces_earlier_and_unnumbered_is_general() -> None:
    replies = [
        Reply(ts="10.0", user_id="UANA", text="1. MySQL"),
        Reply(ts="11.0", user_id="UBOB", text="we could also cache it"),
        Reply(ts="12.0", user_id="UBOB", text="1. Postgres, actually\n3. admins"),
        Reply(ts="13.0", user_id="UANA", text="<@UBOT>"),
    ]
    sheet = match_answers(QUESTIONS, replies)
    assert sheet.answers[1].text == "Postgres, actually" and sheet.answers[1].user_id == "UBOB"
    assert sheet.answered() == {1, 3}
    assert [q.number for q in sheet.unanswered(QUESTIONS)] == [2]
    assert [r.ts for r in sheet.general] == ["11.0"]


def test_single_question_takes_any_reply() -> None:
    sheet = match_answers(QUESTIONS[:1], [Reply(ts="1.0", user_id="U", text="Postgres 16")])
    assert sheet.answers[1].text == "Postgres 16"


def test_numbers_that_name_no_question_are_not_answers() -> None:
    gappy = [QUESTIONS[0], Question(number=4, area=Area.SECURITY, text="Who may export?")]
    sheet = match_answers(gappy, [Reply(ts="1.0", user_id="U", text="3. Postgres\n4. admins")])
    assert sheet.answered() == {4} and sheet.answers[4].text == "admins"
