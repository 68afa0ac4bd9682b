"""Every message the bot posts, built here: mrkdwn escaped, Block Kit checked by slack_sdk's models."""

from __future__ import annotations

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

from bot.models import Question

GENERATE_ACTION = "techspec_generate_now"
CANCEL_ACTION = "techspec_cancel"
SECTION_LIMIT = 3000
TEXT_LIMIT = 3900  # chat.update rejects text over 4,000 characters (msg_too_long)

HELP_TEXT = (
    "*techspec* turns a design discussion in a thread into a pinned `TECHNICAL_SPEC.md`.\n"
    "*Start it* in any of three ways:\n"
    "• mention *@techspec* in the thread,\n"
    "• use the message shortcut *techspec* (the ⋮ menu on any message of the thread), or\n"
    "• run `/techspec <link to a message>` in a channel (copy the link from the message's ⋮ menu).\n"
    "`/techspec <a few words>` starts a new thread from those words.\n"
    "*Then* I read the whole thread and ask what is still unclear in ONE message. Reply in the thread "
    "(one message per answer, or `1. … 2. …` in one). Mention @techspec again or press *Generate now* "
    "to write the spec with what is there; unanswered questions go to its Open Questions.\n"
    "The spec is uploaded into the thread as `TECHNICAL_SPEC.md` and pinned."
)


def escape(text: str) -> str:
    """Make text inert in mrkdwn: &, < and > escaped, so no <!channel> or <@U…> from a model or user survives."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain_safe(text: str) -> str:
    """Text for plain_text fields (headers, buttons): angle brackets swapped for look-alikes, so no
    control sequence such as <!channel> can form whatever a surface does with entities."""
    return text.replace("<", "‹").replace(">", "›")


def clip(text: str, limit: int) -> str:
    """Cut text to limit characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def mention(user_id: str) -> str:
    """A mention the bot means to make (built after escaping, so it is the only live one)."""
    return f"<@{user_id}>"


def status_reading(message_count: int | None = None) -> str:
    """Status line while the thread is being read."""
    if message_count is None:
        return ":eyes: On it: reading this thread…"
    return f":eyes: Reading this thread ({message_count} messages)…"


def status_waiting(answered: int, total: int) -> str:
    """Status line while answers are collected."""
    return (
        f":speech_balloon: Waiting for answers: {answered} of {total} answered. "
        "Mention @techspec or press *Generate now* when you're ready."
    )


def status_writing() -> str:
    """Status line while the spec is written."""
    return ":pencil: Writing the spec…"


def status_done(version: int, link: str | None) -> str:
    """Status line once the spec is uploaded and pinned."""
    name = "TECHNICAL_SPEC.md" + (f" (v{version})" if version > 1 else "")
    where = f"<{link}|{name}>" if link else name
    return f":white_check_mark: Done: {where} is in this thread and pinned to the channel."


def status_clear() -> str:
    """Status line when the thread needs no questions."""
    return ":white_check_mark: The thread is clear enough; no questions needed. :pencil: Writing the spec…"


def status_cancelled(user_id: str) -> str:
    """Status line after someone cancelled."""
    return f":no_entry_sign: Cancelled by {mention(user_id)}. Mention @techspec to start again."


def failure(what_failed: str, reason: str, *, retryable: bool) -> str:
    """The plain-words failure message: what failed, that nothing was lost, what to do."""
    text = f":warning: I couldn't {escape(what_failed)}. {escape(reason)}"
    if retryable:
        text += " Nothing was lost: the thread and your answers are saved. Mention @techspec here to try again."
    return clip(text, TEXT_LIMIT)


def questions_text(questions: list[Question]) -> str:
    """Plain-text fallback of the questions message (notifications, screen readers)."""
    lines = [f"{q.number}. {escape(q.text)}" for q in questions]
    return clip("Before I write the spec, a few questions:\n" + "\n".join(lines), TEXT_LIMIT)


def questions_blocks(title: str, questions: list[Question], session_ref: str) -> list[dict]:
    """Block Kit for the one questions message: grouped by area, how to answer, and the buttons."""
    blocks: list[Block] = [
        HeaderBlock(text=clip(plain_safe(f"Questions before the spec: {title}"), 150)),
        SectionBlock(text=MarkdownTextObject(text="A few points the thread leaves open:")),
    ]
    for area, group in groupby(questions, key=lambda q: q.area):
        body = f"*{area.label}*\n" + "\n".join(_question_line(q) for q in group)
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(body, SECTION_LIMIT))))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="*How to answer:* reply in this thread, one message per answer or `1. … 2. …` in one. "
                    "Then mention @techspec or press *Generate now*. Unanswered questions go to Open Questions."
                )
            ]
        )
    )
    blocks.append(
        ActionsBlock(
            elements=[
                ButtonElement(text="Generate now", action_id=GENERATE_ACTION, value=session_ref, style="primary"),
                ButtonElement(text="Cancel", action_id=CANCEL_ACTION, value=session_ref),
            ]
        )
    )
    # Slack allows 50 blocks a message; eight areas plus five fixed blocks stays far below it.
    return [block.to_dict() for block in blocks[:50]]


def _question_line(question: Question) -> str:
    line = f"*{question.number}.* {escape(question.text)}"
    if question.why:
        line += f"\n      _{escape(question.why)}_"
    if question.recommended_answer:
        line += f"\n      Suggested: {escape(question.recommended_answer)}"
    return line


def spec_comment(title: str, overview: str, counts: dict[str, int], answered_by: list[str], version: int) -> str:
    """The comment shared with the file: what it is, its size, and who answered."""
    label = f"v{version}" if version > 1 else "v1"
    text = (
        f":page_facing_up: *{escape(clip(title, 150))}*: technical spec {label}\n{escape(clip(overview, 600))}\n"
        f"{counts.get('requirements', 0)} functional requirements · {counts.get('risks', 0)} risks · "
        f"{counts.get('open_questions', 0)} open questions"
    )
    if answered_by:
        text += "\nAnswers from " + ", ".join(mention(u) for u in answered_by[:20])
    return clip(text, TEXT_LIMIT)


def thread_root_text(user_id: str, words: str) -> str:
    """The root message of a thread started by `/techspec <words>`."""
    return clip(f":memo: {mention(user_id)} asked for a tech spec: {escape(words)}", TEXT_LIMIT)
