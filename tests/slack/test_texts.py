"""What the bot posts: escaping of anything derived from the model or people, and Block Kit limits."""

from __future__ import annotations

from bot.slack import questions as ui_questions
from bot.slack import texts as messages
from bot.spec.records import Question
from bot.spec.schemas import Area

HOSTILE = "<!channel> <!here> <!everyone> <!subteam^S1|@all> <@U999> & <https://evil.example|click>"


def test_escape_makes_mentions_inert() -> None:
    escaped = messages.escape(HOSTILE)
    assert "<" not in escaped and ">" not in escaped
    assert "&lt;!channel&gt;" in escaped and "&amp;" in escaped


def test_questions_blocks_escape_and_group_by_area() -> None:
    questions = [
        Question(number=1, area=Area.DATA, text=HOSTILE, why="why " + HOSTILE, recommended_answer=HOSTILE),
        Question(number=2, area=Area.DATA, text="Retention?", why="Sizing"),
        Question(number=3, area=Area.SECURITY, text="Who may export?", why="Access"),
    ]
    blocks = ui_questions.questions_blocks("Export " + HOSTILE, questions, "techspec:session:T:C:1.0")
    text_parts: list[str] = []
    for block in blocks:
        for value in (block.get("text") or {}, *(block.get("elements") or [])):
            if isinstance(value, dict) and "text" in value:
                text_parts.append(value["text"] if isinstance(value["text"], str) else value["text"]["text"])
    joined = "\n".join(text_parts)
    assert "<!channel>" not in joined and "<@U999>" not in joined
    sections = [b for b in blocks if b["type"] == "section"]
    assert sections[1]["text"]["text"].startswith("*Data Requirements*")
    assert sections[2]["text"]["text"].startswith("*Security Requirements*")
    assert [e["action_id"] for e in blocks[-1]["elements"]] == [
        messages.FORM_ACTION,
        messages.GENERATE_ACTION,
        messages.CANCEL_ACTION,
    ]
    assert len(blocks[0]["text"]["text"]) <= 150 and len(blocks) <= 50


def test_long_questions_are_clipped_to_section_limit() -> None:
    questions = [Question(number=i, area=Area.DATA, text="x" * 900, why="y" * 300) for i in range(1, 8)]
    blocks = ui_questions.questions_blocks("t", questions, "k")
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert len(messages.questions_text(questions)) <= 4000


def test_failure_message_says_what_and_how_to_retry() -> None:
    text = messages.failure("write the spec", "The model <!here> timed out.", retryable=True)
    assert "<!here>" not in text and "Nothing was lost" in text and "Mention @techspec" in text
