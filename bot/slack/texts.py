"""The words the bot posts (status lines, failures, help, comments), mrkdwn-escaped; Block Kit is in blocks.py."""

from __future__ import annotations

import math
import re

from bot.spec.answers import Replacement
from bot.spec.records import Question
from bot.spec.schemas import UiPhrases

GENERATE_ACTION = "techspec_generate_now"
CANCEL_ACTION = "techspec_cancel"
FORM_ACTION = "techspec_answer_form"
REVISE_ACTION = "techspec_revise"
REGENERATE_ACTION = "techspec_regenerate"
SECTION_LIMIT = 3000
TEXT_LIMIT = 3900  # chat.update rejects text over 4,000 characters (msg_too_long)

NOTHING_TO_READ = (
    "There's nothing in this thread to write a spec from yet. Describe the design here "
    "(or start one with `/techspec <a few words>`), then mention @techspec again."
)

HELP_TEXT = (
    "*techspec* turns a design discussion in a thread into a pinned `TECHNICAL_SPEC.md`.\n"
    "*Start it* in any of three ways:\n"
    "• mention *@techspec* in the thread,\n"
    "• use the message shortcut *techspec* (the ⋮ menu on any message of the thread), or\n"
    "• run `/techspec <link to a message>` in a channel (copy the link from the message's ⋮ menu).\n"
    "`/techspec <a few words>` starts a new thread from those words.\n"
    "*Answer* the questions I ask in ONE message: reply in the thread in your own words (or "
    "`1. … 2. …` in one message), reply `ok` to accept every suggested answer (or `1 ok, 3: Postgres`), or press "
    "*Answer in a form*. A later answer to the same question replaces the earlier one. Mention @techspec "
    "again or press *Generate now* to write the spec with what is there; unanswered questions go to its "
    "Open Questions.\n"
    "The spec is uploaded into the thread as `TECHNICAL_SPEC.md` and pinned.\n"
    "*Revise* it by talking on in the thread, then mentioning @techspec (or pressing *Revise*): I read only "
    "what was said since, ask only about new gaps, upload v2, v3 … and say what changed, section by section.\n"
    "*Forget* a thread with `/techspec forget <link to a message>`: I delete everything I stored about it. "
    "Secrets (keys, tokens, passwords) are redacted before anything is stored or sent to the model."
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


def status_reading(message_count: int | None = None, phrases: UiPhrases | None = None) -> str:
    """Status line while the thread is being read."""
    if message_count is None:
        return ":eyes: On it: reading this thread…"
    reading = escape(phrases.reading) if phrases else "Reading this thread"
    return clip(f":eyes: {reading} ({message_count})…", TEXT_LIMIT)


def status_reading_paced(total: int, read: int, seconds_left: float) -> str:
    """Status line while a thread is read at Slack's slow tier for apps outside the Marketplace."""
    minutes = math.ceil(seconds_left / 60)
    left = f"about {minutes} minute{'s' if minutes != 1 else ''}" if seconds_left >= 60 else "less than a minute"
    return (
        f":hourglass_flowing_sand: Reading {total} messages: {left} at this app's Slack limit (read {read} of {total})…"
    )


def status_waiting(answered: int, total: int, phrases: UiPhrases | None = None, note: str = "") -> str:
    """Status line while answers are collected (note: what the latest reply changed, if anything)."""
    if phrases:
        text = (
            f":speech_balloon: {escape(phrases.waiting_for_answers)}: {answered} / {total} "
            f"{escape(phrases.answered)}. {escape(phrases.when_ready)}"
        )
    else:
        text = (
            f":speech_balloon: Waiting for answers: {answered} of {total} answered. "
            "Mention @techspec or press *Generate now* when you're ready."
        )
    # Translated wording can be any length; chat.update refuses text over 4,000 characters.
    return clip(f"{text}\n{note}" if note else text, TEXT_LIMIT)


def answer_change_note(change: Replacement) -> str:
    """The status line's note on the latest reply that replaced or added to an earlier answer."""
    verb = "replaced" if change.kind == "replaced" else "added to"
    return f"Latest: {mention(change.user_id)}'s reply {verb} the answer to question {change.question_number}."


def status_writing(phrases: UiPhrases | None = None) -> str:
    """Status line while the spec is written."""
    return clip(f":pencil: {escape(phrases.writing) if phrases else 'Writing the spec'}…", TEXT_LIMIT)


def status_done(
    version: int, link: str | None, phrases: UiPhrases | None = None, redacted: int = 0, pin_error: str | None = None
) -> str:
    """Status line once the spec is uploaded and pinned (with how many secrets were kept from the model)."""
    name = "TECHNICAL_SPEC.md" + (f" (v{version})" if version > 1 else "")
    where = f"<{link}|{name}>" if link else name
    if phrases:
        text = f":white_check_mark: {escape(phrases.done)}: {where}"
    else:
        text = f":white_check_mark: Done: {where} is in this thread and pinned to the channel."
    if pin_error:
        text = text.replace(" and pinned to the channel", "") + f" I couldn't pin it: {escape(pin_error)}"
    if redacted:
        noun = "secret" if redacted == 1 else "secrets"
        text += f" :lock: {redacted} {noun} redacted before the model saw the thread."
    return clip(text, TEXT_LIMIT)


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
    else:
        text += " Nothing was lost: once that's fixed, mention @techspec here to try again."
    return clip(text, TEXT_LIMIT)


def questions_text(questions: list[Question]) -> str:
    """Plain-text fallback of the questions message (notifications, screen readers)."""
    lines = [f"{q.number}. {escape(q.text)}" for q in questions]
    return clip("Before I write the spec, a few questions:\n" + "\n".join(lines), TEXT_LIMIT)


def is_user_id(value: str) -> bool:
    """True for a Slack user id (U… or W…): never a special mention such as here/channel/everyone."""
    return re.fullmatch(r"[UW][A-Z0-9]{2,20}", value) is not None


def spec_comment(
    title: str,
    overview: str,
    counts: dict[str, int],
    answered_by: list[str],
    version: int,
    *,
    needs_human: list[str] | None = None,
) -> str:
    """The comment shared with the file: what it is, its size, who answered, and what needs a human."""
    label = f"v{version}" if version > 1 else "v1"
    text = (
        f":page_facing_up: *{escape(clip(title, 150))}*: technical spec {label}\n{escape(clip(overview, 600))}\n"
        f"{counts.get('requirements', 0)} functional requirements · {counts.get('risks', 0)} risks · "
        f"{counts.get('open_questions', 0)} open questions"
    )
    if answered_by:
        text += "\nAnswers from " + ", ".join(mention(u) for u in answered_by[:20])
    if needs_human:
        # Said, not hidden: the checklist items the repairs could not fix (also in Open Questions).
        count = len(needs_human)
        verb = "item needs" if count == 1 else "items need"
        text += f"\n:warning: {count} checklist {verb} a human: " + "; ".join(escape(t) for t in needs_human[:12])
    return clip(text, TEXT_LIMIT)


def expired_notice(days: int) -> str:
    """Said once in a thread whose session expired before it produced a spec."""
    return (
        f":hourglass: My session in this thread expired after {days} days without a spec, so I'm no longer "
        "collecting answers here. Mention @techspec to start again; I'll read the whole thread, answers included."
    )


def expired_restart() -> str:
    """First line of the status when a mention restarts an expired session."""
    return ":hourglass: The earlier session in this thread expired; starting again."


def thread_root_text(user_id: str, words: str) -> str:
    """The root message of a thread started by `/techspec <words>`."""
    return clip(f":memo: {mention(user_id)} asked for a tech spec: {escape(words)}", TEXT_LIMIT)
