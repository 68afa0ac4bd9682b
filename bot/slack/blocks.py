"""Block Kit for the answers form, the result summary, "what changed", the reminder and the App Home.

Built with slack_sdk's block models, so every size limit Slack enforces is checked before posting.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.slack.texts import (
    HELP_TEXT,
    REGENERATE_ACTION,
    REVISE_ACTION,
    SECTION_LIMIT,
    TEXT_LIMIT,
    clip,
    escape,
    is_user_id,
    mention,
    plain_safe,
)
from bot.spec.answers import Replacement
from bot.spec.diff import SectionChange
from bot.spec.records import Question, RecentSpec, SpecSummary

FORM_CALLBACK = "techspec_answers"
ANSWER_ACTION = "answer"
MAX_CHANGE_LINES = 4  # per section in "what changed"; the file has the rest


def answers_modal(session_ref: str, title: str, questions: Sequence[Question], prefill: dict[int, str]) -> dict:
    """The "Answer in a form" modal: one optional input per question, prefilled (answer so far, else suggestion)."""
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=clip(f"*{escape(title)}*", SECTION_LIMIT)))]
    for question in questions[:40]:
        initial = prefill.get(question.number) or question.recommended_answer or None
        blocks.append(
            InputBlock(
                block_id=f"q{question.number}",
                label=clip(plain_safe(f"{question.number}. {question.text}"), 2000),
                hint=clip(plain_safe(question.why), 2000) if question.why else None,
                optional=True,
                element=PlainTextInputElement(
                    action_id=ANSWER_ACTION,
                    multiline=True,
                    initial_value=clip(initial, 3000) if initial else None,
                    max_length=3000,
                ),
            )
        )
    view = View(
        type="modal",
        callback_id=FORM_CALLBACK,
        private_metadata=session_ref,
        title=PlainTextObject(text="Answer the questions"),
        submit=PlainTextObject(text="Post answers"),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks,
    )
    return view.to_dict()


def form_answers(values: dict[str, dict[str, dict[str, str | None]]], questions: Sequence[Question]) -> dict[int, str]:
    """The non-empty answers of a submitted form, by question number."""
    answers: dict[int, str] = {}
    for question in questions:
        value = (values.get(f"q{question.number}") or {}).get(ANSWER_ACTION) or {}
        text = str(value.get("value") or "").strip()
        if text:
            answers[question.number] = text
    return answers


def form_answers_text(user_id: str, questions: Sequence[Question], answers: dict[int, str]) -> str:
    """The one thread message that carries a form's answers, attributed to the person who sent them."""
    by_number = {q.number: q for q in questions}
    lines = [f":memo: Answers from {mention(user_id)}:"]
    for number, answer in sorted(answers.items()):
        question = by_number[number]
        lines.append(f"*{number}. {escape(clip(question.text, 200))}*\n{escape(answer)}")
    return clip("\n".join(lines), TEXT_LIMIT)


def replacement_notice(replacements: Sequence[Replacement]) -> str:
    """Said in the thread when one reply replaces (or adds to) earlier answers to the same questions."""
    first = replacements[0]
    numbers = sorted({r.question_number for r in replacements})
    which = " and ".join(str(n) for n in numbers) if len(numbers) <= 2 else ", ".join(str(n) for n in numbers)
    earlier = sorted({r.previous_user_id for r in replacements if is_user_id(r.previous_user_id)})
    by = "" if earlier == [first.user_id] else " (from " + ", ".join(mention(u) for u in earlier) + ")"
    plural = "s" if len(numbers) != 1 else ""
    if all(r.kind == "added" for r in replacements):
        return (
            f":heavy_plus_sign: {mention(first.user_id)}'s reply adds to the earlier answer{plural}{by} "
            f"to question{plural} {which}; I'll use both."
        )
    return (
        f":arrows_counterclockwise: {mention(first.user_id)}'s reply replaces the earlier answer{plural}{by} "
        f"to question{plural} {which}; I'll use the new one."
    )


def reminder_text(user_id: str, total: int) -> str:
    """The one reminder to the person who asked, when nobody answered."""
    return (
        f":wave: {mention(user_id)} nobody has answered my {total} question{'s' if total != 1 else ''} above yet. "
        "Reply here (`ok` accepts the suggestions), press *Answer in a form*, or press *Generate now* and "
        "I'll write the spec with what is there. I won't remind again."
    )


def summary_text(summary: SpecSummary, version: int) -> str:
    """Plain-text fallback of the summary message."""
    return clip(escape(f"TECHNICAL_SPEC.md v{version}: {summary.title}. {summary.overview}"), TEXT_LIMIT)


def summary_blocks(summary: SpecSummary, version: int, link: str | None, session_ref: str) -> list[dict]:
    """The summary posted with the file: overview, counts, who answered, and Revise / Regenerate."""
    name = f"<{link}|TECHNICAL_SPEC.md v{version}>" if link else f"TECHNICAL_SPEC.md v{version}"
    counts = (
        f"{summary.requirements} functional requirement{'s' if summary.requirements != 1 else ''} · "
        f"{summary.risks} risk{'s' if summary.risks != 1 else ''} · "
        f"{summary.open_questions} open question{'s' if summary.open_questions != 1 else ''}"
    )
    people = [mention(u) for u in summary.answered_by[:20] if is_user_id(u)]
    context = (
        f"{counts}\nAnswers from {', '.join(people)}" if people else f"{counts}\nNo answers to questions were used"
    )
    if summary.needs_human:
        items = "; ".join(escape(item) for item in summary.needs_human)
        context += f"\n:warning: {len(summary.needs_human)} checklist items need a human: {items}"
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=clip(
                    f":page_facing_up: *{escape(summary.title)}*: {name}\n{escape(summary.overview)}", SECTION_LIMIT
                )
            )
        ),
        ContextBlock(elements=[MarkdownTextObject(text=clip(context, SECTION_LIMIT))]),
        ActionsBlock(
            elements=[
                ButtonElement(text="Revise", action_id=REVISE_ACTION, value=session_ref),
                ButtonElement(text="Regenerate", action_id=REGENERATE_ACTION, value=session_ref),
            ]
        ),
    ]
    return [block.to_dict() for block in blocks]


def changes_text(version: int, changes: Sequence[SectionChange]) -> str:
    """Plain-text fallback of the "what changed" message."""
    if not changes:
        return f"v{version}: no section changed."
    return clip(escape(f"What changed in v{version}: " + ", ".join(c.heading for c in changes)), TEXT_LIMIT)


def changes_blocks(version: int, changes: Sequence[SectionChange], unchanged: int) -> list[dict]:
    """What changed from the previous version, section by section (a few lines each)."""
    blocks: list[Block] = [HeaderBlock(text=f"What changed in v{version}")]
    if not changes:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="No section changed.")))
    for change in changes[:45]:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(_change_body(change), SECTION_LIMIT))))
    tail = f"{unchanged} section{'s' if unchanged != 1 else ''} unchanged. Earlier versions stay in this thread."
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=tail)]))
    return [block.to_dict() for block in blocks[:50]]


def _change_body(change: SectionChange) -> str:
    title = f"*{escape(change.heading)}* ({change.kind})"
    lines = [f"+ {escape(clip(x, 200))}" for x in change.added[:MAX_CHANGE_LINES]]
    lines += [f"− {escape(clip(x, 200))}" for x in change.removed[:MAX_CHANGE_LINES]]
    more = len(change.added) + len(change.removed) - len(lines)
    if more > 0:
        lines.append(f"_… and {more} more line{'s' if more != 1 else ''}_")
    return title + ("\n```\n" + "\n".join(lines) + "\n```" if lines else "")


def home_view(recent: Sequence[RecentSpec]) -> dict:
    """The App Home tab: how to use the bot (the same words as `/techspec help`) and the person's recent specs."""
    blocks: list[Block] = [HeaderBlock(text="techspec")]
    for paragraph in HELP_TEXT.split("\n*"):
        text = paragraph if paragraph.startswith("*") else "*" + paragraph
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_LIMIT))))
    blocks += [DividerBlock(), HeaderBlock(text="Your recent specs")]
    if not recent:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="None yet. Mention @techspec in a design thread.")))
    for item in recent[:20]:
        name = escape(clip(item.title, 150)) + f" (v{item.version})"
        where = f"<{item.link}|{name}>" if item.link else name
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"• {where} in <#{item.channel_id}>, <!date^{int(item.created_at)}^{{date_short}}|recently>"
                )
            )
        )
    return View(type="home", blocks=blocks[:100]).to_dict()
