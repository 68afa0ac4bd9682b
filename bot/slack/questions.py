"""The one questions message: grouped by area, which are still open, how to answer, and the buttons.

Whatever the model returns (60 questions, a 5,000-character question, translated wording of any
length) this stays one message within Slack's limits: at most MAX_SHOWN questions, each text
shortened (the form shows it in full), every section under 3,000 characters, 50 blocks at most.
"""

from __future__ import annotations

from collections.abc import Collection
from itertools import groupby

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.slack.texts import (
    CANCEL_ACTION,
    FORM_ACTION,
    GENERATE_ACTION,
    SECTION_LIMIT,
    clip,
    escape,
    is_user_id,
    mention,
    plain_safe,
)
from bot.spec.records import Question
from bot.spec.schemas import UiPhrases

MESSAGE_BLOCKS = 50
MAX_SHOWN = 20  # questions in the message; more are listed as Open Questions in the spec
QUESTION_CHARS = 600
WHY_CHARS = 300
SUGGESTION_CHARS = 500
BUTTON_CHARS = 75  # Slack's button text limit
HEADER_CHARS = 150
CONTEXT_CHARS = 2000


def questions_blocks(
    title: str,
    questions: list[Question],
    session_ref: str,
    phrases: UiPhrases | None = None,
    *,
    answered: Collection[int] = (),
    more: int = 0,
) -> list[dict]:
    """Block Kit for the one questions message (answered questions marked, the open ones listed)."""
    header = phrases.questions_header if phrases else "Questions before the spec"
    intro = escape(phrases.intro) if phrases else "A few points the thread leaves open:"
    blocks: list[Block] = [
        HeaderBlock(text=clip(plain_safe(f"{header}: {title}"), HEADER_CHARS)),
        SectionBlock(text=MarkdownTextObject(text=clip(intro, SECTION_LIMIT))),
    ]
    shown = questions[:MAX_SHOWN]
    for area, group in groupby(shown, key=lambda q: q.area):
        lines = [question_line(q, q.number in answered) for q in group]
        blocks += [SectionBlock(text=MarkdownTextObject(text=body)) for body in _sections(f"*{area.label}*", lines)]
    how = clip(escape(phrases.how_to_answer), CONTEXT_CHARS) if phrases else _how_to_answer(questions)
    notes = [how, *_progress(shown, answered, more + len(questions) - len(shown), clipped=_any_clipped(shown))]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(n, CONTEXT_CHARS)) for n in notes]))
    blocks.append(_buttons(session_ref, phrases))
    if len(blocks) > MESSAGE_BLOCKS:  # cannot happen with MAX_SHOWN questions; the buttons must survive anyway
        blocks = [*blocks[: MESSAGE_BLOCKS - 1], blocks[-1]]
    return [block.to_dict() for block in blocks]


def _buttons(session_ref: str, phrases: UiPhrases | None) -> ActionsBlock:
    labels = (
        (phrases.answer_in_form, phrases.generate_now, phrases.cancel)
        if phrases
        else ("Answer in a form", "Generate now", "Cancel")
    )
    form, generate, cancel = (clip(plain_safe(label), BUTTON_CHARS) or "…" for label in labels)
    return ActionsBlock(
        elements=[
            ButtonElement(text=form, action_id=FORM_ACTION, value=session_ref),
            ButtonElement(text=generate, action_id=GENERATE_ACTION, value=session_ref, style="primary"),
            ButtonElement(text=cancel, action_id=CANCEL_ACTION, value=session_ref),
        ]
    )


def _sections(title: str, lines: list[str]) -> list[str]:
    """The area's lines in as few sections as fit Slack's 3,000 characters each (the title on the first)."""
    bodies: list[str] = []
    current = title
    for line in lines:
        if len(current) + 1 + len(line) > SECTION_LIMIT and current != title:
            bodies.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    bodies.append(current)
    return [clip(body, SECTION_LIMIT) for body in bodies]


def _progress(shown: list[Question], answered: Collection[int], hidden: int, *, clipped: bool) -> list[str]:
    notes: list[str] = []
    still_open = [str(q.number) for q in shown if q.number not in answered]
    if answered:
        notes.append(
            f"*Still open:* {', '.join(still_open)}"
            if still_open
            else ":white_check_mark: Every question has an answer."
        )
    if hidden > 0:
        notes.append(f"{hidden} more question{'s' if hidden != 1 else ''} will be listed in the spec's Open Questions.")
    if clipped:
        notes.append("Long questions are shortened here; *Answer in a form* shows them in full.")
    return notes


def _any_clipped(questions: list[Question]) -> bool:
    return any(
        len(q.text) > QUESTION_CHARS or len(q.why) > WHY_CHARS or len(q.recommended_answer or "") > SUGGESTION_CHARS
        for q in questions
    )


def _how_to_answer(questions: list[Question]) -> str:
    text = "*How to answer:* reply in this thread in your own words (or `1. … 2. …` in one message)"
    if any(q.recommended_answer for q in questions):
        text += "; `ok` accepts every suggestion, `1 ok, 3: …` some of them"
    return (
        text + ". Or press *Answer in a form*. Then mention @techspec or press *Generate now*. "
        "Unanswered questions go to Open Questions."
    )


def question_line(question: Question, answered: bool = False) -> str:
    """One question as the message shows it (its texts shortened, answered ones marked)."""
    mark = " :white_check_mark:" if answered else ""
    line = f"*{question.number}.*{mark} {escape(clip(question.text, QUESTION_CHARS))}"
    if question.why:
        line += f"\n      _{escape(clip(question.why, WHY_CHARS))}_"
    if question.recommended_answer:
        line += f"\n      Suggested: {escape(clip(question.recommended_answer, SUGGESTION_CHARS))}"
    experts = [mention(u) for u in question.experts if is_user_id(u)]
    if experts:
        line += "\n      Who would know: " + ", ".join(experts[:3])
    return line
