"""Matching replies to numbered questions."""

from __future__ import annotations

import pytest

from bot.spec.answers import match_answers, split_numbered
from bot.spec.attribution import Attribution, attribution_key
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


def test_a_free_form_reply_is_placed_only_by_its_attribution() -> None:
    reply = Reply(ts="1.0", user_id="U", text="Postgres 16")
    # Without a model answer it is kept as general input, even when there is one question only.
    assert match_answers(QUESTIONS[:1], [reply]).general == [reply]
    sheet = match_answers(QUESTIONS[:1], [reply], {attribution_key(reply): Attribution(questions={1: True})})
    assert sheet.answers[1].text == "Postgres 16" and sheet.general == []


def test_numbers_that_name_no_question_are_not_answers() -> None:
    gappy = [QUESTIONS[0], Question(number=4, area=Area.SECURITY, text="Who may export?")]
    sheet = match_answers(gappy, [Reply(ts="1.0", user_id="U", text="3. Postgres\n4. admins")])
    assert sheet.answered() == {4} and sheet.answers[4].text == "admins"


def _attributed(*items: tuple[Reply, dict[int, bool]]) -> dict[str, Attribution]:
    return {attribution_key(reply): Attribution(questions=found) for reply, found in items}


def test_free_form_replies_answer_several_questions_in_their_own_words() -> None:
    both = Reply(ts="1.0", user_id="UANA", text="Postgres, and it must answer within 200 ms at p99.")
    chatter = Reply(ts="2.0", user_id="UBOB", text="thanks, good call")
    sheet = match_answers(QUESTIONS, [both, chatter], _attributed((both, {1: True, 2: True}), (chatter, {})))
    assert sheet.answered() == {1, 2}
    assert sheet.answers[1].text == sheet.answers[2].text == both.text  # the words as written, never a paraphrase
    assert sheet.general == [chatter]


def test_a_later_full_answer_replaces_and_a_partial_one_adds() -> None:
    first = Reply(ts="1.0", user_id="UANA", text="Postgres")
    more = Reply(ts="2.0", user_id="UBOB", text="files are kept 30 days")
    instead = Reply(ts="3.0", user_id="UCAT", text="Actually MySQL, we run it already")
    found = _attributed((first, {1: True}), (more, {1: False}), (instead, {1: True}))
    partial = match_answers(QUESTIONS, [first, more], found)
    assert [p.text for p in partial.answers[1].parts()] == ["Postgres", "files are kept 30 days"]
    assert [(r.kind, r.user_id) for r in partial.replacements] == [("added", "UBOB")]
    replaced = match_answers(QUESTIONS, [first, more, instead], found)
    assert [p.user_id for p in replaced.answers[1].parts()] == ["UCAT"]
    assert replaced.replacements[-1].kind == "replaced" and replaced.replacements[-1].previous_user_id == "UANA"


def test_an_edit_is_a_new_text_to_attribute() -> None:
    before = Reply(ts="1.0", user_id="UANA", text="Postgres")
    after = before.model_copy(update={"text": "No: MySQL", "edited": True})
    assert attribution_key(before) != attribution_key(after)
    assert match_answers(QUESTIONS, [after], _attributed((before, {1: True}))).general == [after]
