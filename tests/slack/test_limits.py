"""Whatever the model or a translation produces, every message, update, ephemeral and view the bot builds
is accepted by the Slack emulator, which enforces Slack's limits the way Slack does."""

from __future__ import annotations

import json
import time

import pytest

from bot.slack import blocks, texts
from bot.slack.client import build_web_client
from bot.slack.gateway import SlackGateway
from bot.slack.questions import questions_blocks
from bot.spec.diff import SectionChange
from bot.spec.records import Question, RecentSpec, SpecSummary
from bot.spec.schemas import Area, UiPhrases
from tests.fakes.slack import SlackEmulator
from tests.support.block_text import render_blocks

LONG = "Lorem ipsum dolor sit amet <!channel> & more. " * 120  # ~5,500 characters, hostile on the way


@pytest.fixture(scope="module")
def emu(design_workspace: SlackEmulator) -> SlackEmulator:
    return design_workspace


@pytest.fixture(scope="module")
def slack(emu: SlackEmulator) -> SlackGateway:
    return SlackGateway(build_web_client(emu.bot_token, emu.api_url))


def sixty_questions() -> list[Question]:
    areas = list(Area)
    return [
        Question(
            number=n,
            area=areas[(n - 1) * len(areas) // 60],
            text=LONG if n == 2 else f"Question {n}?",
            why=LONG if n == 3 else "",
            recommended_answer=LONG if n == 4 else None,
            experts=["UANA"],
        )
        for n in range(1, 61)
    ]


def long_phrases() -> UiPhrases:
    return UiPhrases(**{name: "Übersetzung " * 900 for name in UiPhrases.model_fields})


@pytest.mark.parametrize("phrases", [None, long_phrases()], ids=["english", "long translation"])
def test_sixty_long_questions_make_one_readable_message_and_its_updates(
    emu: SlackEmulator, slack: SlackGateway, phrases: UiPhrases | None
) -> None:
    questions = sixty_questions()
    shown, extra = questions[:12], questions[12:]
    root = slack.post("C1", None, "root")
    view = questions_blocks(LONG, shown, "ref", phrases, more=len(extra))
    ts = slack.post("C1", root, texts.questions_text(shown), view)
    rendered = render_blocks(emu.thread("C1", root)[-1]["blocks"])
    assert "48 more questions will be listed in the spec's Open Questions" in rendered
    assert "*Answer in a form* shows them in full" in rendered and "Question 12?" in rendered
    assert "<!channel>" not in json.dumps(emu.thread("C1", root)[-1]["blocks"])
    answered = questions_blocks(LONG, shown, "ref", phrases, answered={1, 2}, more=len(extra))
    slack.update("C1", ts, texts.questions_text(shown), answered)
    assert "Still open:* 3, 4, 5" in render_blocks(emu.thread("C1", root)[-1]["blocks"])
    status = slack.post("C1", root, texts.status_reading(3, phrases))
    for line in (texts.status_waiting(2, 12, phrases, texts.escape(LONG)), texts.status_writing(phrases)):
        slack.update("C1", status, line)
    slack.update("C1", status, texts.status_done(2, "https://acme.slack.com/x", phrases, 3, LONG))
    slack.post_ephemeral("C1", "UANA", texts.escape(LONG) * 10, thread_ts=root)
    assert emu.violations == []


def test_the_form_shows_long_questions_in_full_within_a_modals_limits(emu: SlackEmulator, slack: SlackGateway) -> None:
    questions = sixty_questions()[:12]
    view = blocks.answers_modal("ref", LONG, questions, {1: LONG})
    slack.open_view(emu.ws.issue_trigger("UANA"), view)
    opened = emu.ws.views[-1]["view"]
    labels = [b["label"]["text"] for b in opened["blocks"] if b["type"] == "input"]
    assert len(labels) == 12 and len(labels[1]) > 1500  # the long question: shortened in the message, not here


def test_summary_changes_and_home_stay_within_limits(emu: SlackEmulator, slack: SlackGateway) -> None:
    summary = SpecSummary(
        title=LONG,
        overview=LONG,
        requirements=9,
        risks=2,
        open_questions=70,
        answered_by=["UANA"] * 40,
        needs_human=[LONG] * 12,
    )
    root = slack.post("C1", None, "root")
    slack.post("C1", root, blocks.summary_text(summary, 3), blocks.summary_blocks(summary, 3, None, "ref"))
    changes = [SectionChange(heading=LONG, kind="changed", added=[LONG] * 9, removed=[LONG]) for _ in range(80)]
    slack.post("C1", root, blocks.changes_text(3, changes), blocks.changes_blocks(3, changes, 2))
    recent = [RecentSpec(title=LONG, version=2, channel_id="C1", link=None, created_at=time.time())] * 150
    slack.publish_home("UANA", blocks.home_view(recent))
    assert emu.violations == []


def test_the_gateway_fits_any_blocks_it_is_given(emu: SlackEmulator, slack: SlackGateway) -> None:
    oversized = [
        {"type": "header", "text": {"type": "plain_text", "text": LONG}},
        *[{"type": "section", "text": {"type": "mrkdwn", "text": LONG}} for _ in range(70)],
        {
            "type": "actions",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": LONG}, "action_id": "a", "value": LONG}
            ],
        },
    ]
    ts = slack.post("C1", None, texts.escape(LONG) * 20, oversized)
    posted = next(m for m in emu.messages("C1") if m["ts"] == ts)
    assert len(posted["blocks"]) == 50 and posted["blocks"][-1]["type"] == "actions"  # the buttons survive
    slack.update("C1", ts, texts.escape(LONG) * 20, oversized)
