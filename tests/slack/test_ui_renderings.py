"""What people see: every Slack-native message rendered as text and compared with a reviewed file.

A change to a message shows up in review as a change to tests/ui/*.txt (and to the README, which
shows the same renderings). Regenerate both after an intended change:

    TECHSPEC_UPDATE_UI=1 .venv/bin/pytest tests/slack/test_ui_renderings.py
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.slack import blocks as ui_blocks
from bot.slack import questions as ui_questions
from bot.slack import refusals, settings_view
from bot.slack import texts as messages
from bot.spec.answers import Replacement
from bot.spec.diff import diff_specs, unchanged_count
from bot.spec.records import Question, RecentSpec, SpecSummary
from bot.spec.schemas import Area
from tests.support.block_text import render_message, render_view

SETTINGS = (
    "*Model:* `gpt-4.1` (default)\n*Endpoint:* the operator's · *API key:* not set\n*Template:* `team.j2`\n"
    "*Limits:* 3 per person, 10 per channel, 100 in the workspace, 10 new per person per hour\n"
    "*Budget:* $150.00 a month\n*Channels:* every channel except <#C200>"
)
SETTINGS_FORM = settings_view.SettingsForm(
    model="",
    endpoint="",
    key_set=False,
    template_name="team.j2",
    numbers={"budget_usd": "150"},
    hints={"model": "Leave blank for the default.", "max_user": "Default: 3.", "budget_usd": "Default: 200."},
    channel_mode="deny",
    channels=["C200"],
)
UI_DIR = Path(__file__).parents[1] / "ui"
README = Path(__file__).resolve().parents[2] / "README.md"
UPDATE = os.environ.get("TECHSPEC_UPDATE_UI") == "1"
KEY = "techspec:session:T0001:C100:1700000000.000100"

QUESTIONS = [
    Question(
        number=1,
        area=Area.DATA,
        text="Which database holds the export jobs, and how long are files kept?",
        why="Retention decides storage cost and the cleanup job.",
        recommended_answer="Postgres; files expire after 7 days.",
        experts=["UANA"],
    ),
    Question(
        number=2,
        area=Area.PERFORMANCE,
        text="How long may an export of a million rows take?",
        why="It sets the worker size and the timeout.",
        recommended_answer=None,
    ),
    Question(
        number=3,
        area=Area.SECURITY,
        text="Who may download an export?",
        why="Signed URLs leak if shared; access rules belong in the spec.",
        recommended_answer="Only the person who asked, through a signed URL valid for 1 hour.",
        experts=["UBOB", "UANA"],
    ),
]
SUMMARY = SpecSummary(
    title="CSV export for the analytics dashboard",
    overview="Users export a date range of dashboard data as CSV; a background job writes the file to S3.",
    requirements=6,
    risks=3,
    open_questions=1,
    answered_by=["UANA", "UBOB"],
)
V1 = """## Technical Spec: CSV export
**Generated:** 2024-01-01
### 1. Overview
Users export CSV files.
### 3.1 Functional Requirements
- FR1: export a date range [M1](https://x/1)
- FR2: the file is stored in S3
### 9. Open Questions
- How long are files kept?
"""
V2 = """## Technical Spec: CSV export
**Version:** v2 · **Generated:** 2024-01-02
### 1. Overview
Users export CSV files.
### 3.1 Functional Requirements
- FR1: export a date range [M1](https://x/9)
- FR2: the file is stored in S3 and expires after 7 days
- FR3: exports over 1M rows are split into parts
### 9. Open Questions
_None identified in the discussion._
### 10. References
- RFC 4180
"""


def renderings() -> dict[str, Callable[[], str]]:
    """Each message the bot can show, built with the real builders from fixed inputs."""
    changes = diff_specs(V1, V2)
    return {
        "questions": lambda: render_message(
            messages.questions_text(QUESTIONS), ui_questions.questions_blocks("CSV export", QUESTIONS, KEY)
        ),
        "questions_progress": lambda: render_message(
            messages.questions_text(QUESTIONS),
            ui_questions.questions_blocks("CSV export", QUESTIONS, KEY, answered={1, 3}, more=2),
        ),
        "status_waiting": lambda: render_message(
            messages.status_waiting(
                2,
                3,
                note=messages.answer_change_note(
                    Replacement(
                        question_number=1,
                        reply_ts="3.0",
                        user_id="UCAT",
                        previous_reply_ts="1.0",
                        previous_user_id="UANA",
                        kind="added",
                    )
                ),
            ),
            None,
        ),
        "answers_form": lambda: render_view(
            ui_blocks.answers_modal(KEY, "CSV export", QUESTIONS, {2: "Under 5 minutes"})
        ),
        "form_answers": lambda: render_message(
            ui_blocks.form_answers_text("UCAT", QUESTIONS, {1: "Postgres; 30 days", 2: "Under 5 minutes"}), None
        ),
        "answer_replaced": lambda: render_message(
            ui_blocks.replacement_notice(
                [
                    Replacement(
                        question_number=2,
                        reply_ts="2.0",
                        user_id="UBOB",
                        previous_reply_ts="1.0",
                        previous_user_id="UANA",
                    )
                ]
            ),
            None,
        ),
        "reminder": lambda: render_message(ui_blocks.reminder_text("UANA", 3), None),
        "summary": lambda: render_message(
            ui_blocks.summary_text(SUMMARY, 2),
            ui_blocks.summary_blocks(SUMMARY, 2, "https://acme.slack.com/archives/C100/p1700000000000900", KEY),
        ),
        "what_changed": lambda: render_message(
            ui_blocks.changes_text(2, changes), ui_blocks.changes_blocks(2, changes, unchanged_count(V1, V2))
        ),
        "app_home": lambda: render_view(
            ui_blocks.home_view(
                [
                    RecentSpec(
                        title="CSV export",
                        version=2,
                        channel_id="C100",
                        link="https://acme.slack.com/archives/C100/p1700000000000900",
                        created_at=1700000000.0,
                    )
                ]
            )
        ),
        "help": lambda: render_message(messages.HELP_TEXT, None),
        "refused_limit": lambda: render_message(refusals.active_limit("user", 3, 1700086400.0), None),
        "refused_budget": lambda: render_message(
            refusals.budget_spent("$200.41 of $200.00", datetime(2026, 11, 28, tzinfo=UTC)), None
        ),
        "budget_warning": lambda: render_message(
            refusals.budget_warning(84.2, "$168.40 of $200.00", datetime(2026, 11, 20, tzinfo=UTC)), None
        ),
        "refused_channel": lambda: render_message(refusals.channel_closed(False, "UADA"), None),
        "settings_home": lambda: render_message("", [b.to_dict() for b in settings_view.home_section(SETTINGS)]),
        "settings_form": lambda: render_view(settings_view.settings_modal("T0001", SETTINGS_FORM)),
        "home_usage": lambda: render_message(
            "",
            [
                block.to_dict()
                for block in refusals.usage_blocks(
                    "November 2026",
                    "$168.40 of $200.00",
                    84.2,
                    "1,204 model calls · 61,830,112 prompt tokens (9,120,256 cached) · 4,911,020 completion tokens",
                    "$6.12, 41 calls, 2,310,448 tokens",
                )
            ],
        ),
    }


def readme_section() -> str:
    """The README's "What people see" block, built from the reviewed renderings."""
    parts = ["<!-- ui:start (generated by tests/slack/test_ui_renderings.py; do not edit by hand) -->"]
    for name in renderings():
        parts.append(f"**{name.replace('_', ' ')}** (`tests/ui/{name}.txt`)\n\n```text\n{_read(name).rstrip()}\n```\n")
    parts.append("<!-- ui:end -->")
    return "\n".join(parts)


def _read(name: str) -> str:
    path = UI_DIR / f"{name}.txt"
    return path.read_text() if path.exists() else ""


@pytest.mark.parametrize("name", list(renderings()))
def test_rendering_matches_the_reviewed_file(name: str) -> None:
    rendered = renderings()[name]()
    path = UI_DIR / f"{name}.txt"
    if UPDATE:
        UI_DIR.mkdir(exist_ok=True)
        path.write_text(rendered)
    assert path.exists(), f"no reviewed rendering {path}; run with TECHSPEC_UPDATE_UI=1"
    assert rendered == path.read_text(), f"{name} changed; review and run with TECHSPEC_UPDATE_UI=1"


def test_readme_shows_the_reviewed_renderings() -> None:
    text = README.read_text()
    pattern = re.compile(r"<!-- ui:start.*?<!-- ui:end -->", re.DOTALL)
    section = readme_section()
    if UPDATE:
        text = pattern.sub(lambda _: section, text) if pattern.search(text) else text + "\n" + section + "\n"
        README.write_text(text)
    match = pattern.search(text)
    assert match is not None and match.group(0) == section, (
        "README's renderings are stale; run with TECHSPEC_UPDATE_UI=1"
    )


def test_home_tab_says_what_help_says() -> None:
    view = ui_blocks.home_view([])
    shown = "\n".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    for line in messages.HELP_TEXT.splitlines():
        assert line.lstrip("*") in shown


def test_questions_never_mention_anyone_but_thread_people() -> None:
    question = QUESTIONS[0].model_copy(update={"experts": ["UANA", "here", "!channel", "<!everyone>"]})
    blocks = ui_questions.questions_blocks("<!channel> x", [question], KEY)
    text = str(blocks)
    assert "<@UANA>" in text and "<!" not in text and "<@here" not in text
