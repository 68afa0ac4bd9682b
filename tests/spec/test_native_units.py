"""Answers people can give fast ("ok", "1 ok, 3: Postgres", the form), named experts, and spec diffs."""

from __future__ import annotations

import pytest

from bot.spec.answers import match_answers
from bot.spec.clarify import experts_for
from bot.spec.diff import diff_specs, split_sections, unchanged_count
from bot.spec.records import Question, Reply
from bot.spec.schemas import Area

QUESTIONS = [
    Question(number=1, area=Area.DATA, text="DB?", recommended_answer="Postgres 16"),
    Question(number=2, area=Area.PERFORMANCE, text="Latency?"),
    Question(number=3, area=Area.SECURITY, text="Auth?", recommended_answer="SSO"),
]


def reply(ts: str, text: str, user: str = "UANA", answers: dict[int, str] | None = None) -> Reply:
    return Reply(ts=ts, user_id=user, text=text, answers=answers)


@pytest.mark.parametrize("text", ["ok", "OK!", "yes", "sounds good", "ok to all", "<@UBOT> yes", "👍"])
def test_ok_accepts_every_suggestion(text: str) -> None:
    sheet = match_answers(QUESTIONS, [reply("1.0", text)])
    assert {n: a.text for n, a in sheet.answers.items()} == {1: "Postgres 16", 3: "SSO"}
    assert all(a.accepted_suggestion for a in sheet.answers.values())


def test_ok_never_overrides_an_explicit_answer() -> None:
    sheet = match_answers(QUESTIONS, [reply("1.0", "1. MySQL"), reply("2.0", "ok", "UBOB")])
    assert sheet.answers[1].text == "MySQL" and sheet.answers[3].text == "SSO"
    assert sheet.replacements == []


def test_some_accepted_some_overridden_on_one_line() -> None:
    sheet = match_answers(QUESTIONS, [reply("1.0", "1 ok, 3: Okta with SCIM; 2 - under 200 ms")])
    assert sheet.answers[1].text == "Postgres 16" and sheet.answers[1].accepted_suggestion
    assert sheet.answers[3].text == "Okta with SCIM" and sheet.answers[2].text == "under 200 ms"


def test_a_later_reply_replaces_and_is_reported() -> None:
    sheet = match_answers(QUESTIONS, [reply("1.0", "2. 1 s"), reply("2.0", "2. 200 ms", "UBOB")])
    assert sheet.answers[2].text == "200 ms"
    [replacement] = sheet.replacements
    assert (replacement.question_number, replacement.previous_user_id, replacement.user_id) == (2, "UANA", "UBOB")


def test_an_edit_of_the_same_reply_is_not_a_replacement() -> None:
    sheet = match_answers(QUESTIONS, [reply("1.0", "2. 1 s"), reply("1.0", "2. 2 s")])
    assert sheet.replacements == []


def test_form_answers_are_taken_as_given() -> None:
    sheet = match_answers(QUESTIONS, [reply("1.0", "ignored", answers={2: "1. fast\n2. really", 9: "x", 3: " "})])
    assert {n: a.text for n, a in sheet.answers.items()} == {2: "1. fast\n2. really"}


def test_numbers_in_prose_are_not_parts() -> None:
    sheet = match_answers(QUESTIONS, [reply("1.0", "we run 3 nodes, 2 regions")])
    assert sheet.answers == {} and len(sheet.general) == 1


def test_experts_are_only_authors_of_labelled_messages() -> None:
    authors = {"M1": "UANA", "M2": "UBOB", "M3": "UANA"}
    assert experts_for(["M2", "[M1]", "M3", "M9", "<!channel>", "here", "UCAT"], authors) == ["UBOB", "UANA"]
    assert experts_for(None, authors) == []
    assert experts_for(["M1"], {"M1": "!here"}) == []


BEFORE = "## T\n**Generated:** 1\n### 1. Overview\nA\n### 2. Data\n- x [M1](https://a)\n- y\n### 9. Old\nz\n"
AFTER = "## T\n**Generated:** 2\n### 1. Overview\nA\n### 2. Data\n- x [M1](https://b)\n- y2\n### 10. New\nn\n"


def test_diff_reports_sections_that_changed_were_added_or_removed() -> None:
    changes = {c.heading: c for c in diff_specs(BEFORE, AFTER)}
    assert set(changes) == {"2. Data", "10. New", "9. Old"}
    assert changes["2. Data"].added == ["- y2"] and changes["2. Data"].removed == ["- y"]
    assert changes["10. New"].kind == "added" and changes["9. Old"].kind == "removed"
    assert unchanged_count(BEFORE, AFTER) == 1
    assert "T" not in split_sections(BEFORE)  # the preamble (generation date) is never a change
