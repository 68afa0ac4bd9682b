"""After each reply: recount the answers, update the status line and the questions message, and write
once every question has one."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.flow.attribute import answer_sheet
from bot.flow.followups import announce_replacements
from bot.flow.intake import request_write
from bot.flow.spend import metered
from bot.flow.status import set_status
from bot.slack import texts
from bot.slack.questions import questions_blocks
from bot.spec.answers import AnswerSheet
from bot.store.queue import JobKind, job_id, tenant_of
from bot.store.sessions import Phase, Session
from bot.wiring import Runtime

log = logging.getLogger(__name__)


def refresh_answers(rt: Runtime, key: str) -> None:
    """Recount the answers after a reply; when every question has one, schedule the spec."""
    session = rt.store.get(key)
    if session is None or session.phase != Phase.AWAITING_ANSWERS:
        return
    with metered(rt, session.team_id):  # attributing replies is a model call the workspace pays for
        sheet = answer_sheet(rt, session, rt.store.answers(session))
    session = rt.store.get(key)  # the model may have taken a while: someone may have pressed Generate now
    if session is None or session.phase != Phase.AWAITING_ANSWERS:
        return
    answered, total = len(sheet.answered()), len(session.questions)
    announce_replacements(rt, session, sheet)
    note = texts.answer_change_note(sheet.replacements[-1]) if sheet.replacements else ""
    set_status(rt, session, texts.status_waiting(answered, total, session.phrases, note))
    show_open_questions(rt, session, sheet)
    if total and answered >= total:
        # A short grace period: people often add a correction right after the last answer.
        rt.queue.enqueue(
            JobKind.AUTO_WRITE,
            key,
            job_id=job_id(JobKind.AUTO_WRITE, key, session.version, rt.store.next_attempt(key)),
            delay_seconds=rt.settings.techspec_auto_write_delay_seconds,
            tenant=tenant_of(session.team_id, session.requested_by),
        )


def show_open_questions(rt: Runtime, session: Session, sheet: AnswerSheet) -> None:
    """Update the questions message in place to mark the answered questions (only when that changed)."""
    answered = sorted(sheet.answered())
    if not session.questions_ts or answered == session.shown_answered:
        return
    view = questions_blocks(
        session.title,
        session.questions,
        session.key,
        session.phrases,
        answered=set(answered),
        more=len(session.extra_questions),
    )
    try:
        rt.slack.update(session.channel_id, session.questions_ts, texts.questions_text(session.questions), view)
    except SlackApiError as exc:
        log.warning("could not update the questions message", extra={"error": str(exc)[:200]})
        return
    rt.store.update(session.key, lambda s: setattr(s, "shown_answered", answered))


def auto_write(rt: Runtime, key: str) -> None:
    """Start writing once every question is answered (re-checked: a reply may have been withdrawn)."""
    session = rt.store.get(key)
    if session is None or session.phase != Phase.AWAITING_ANSWERS:
        return
    sheet = answer_sheet(rt, session, rt.store.answers(session), ask=False)
    if len(sheet.answered()) >= len(session.questions):
        request_write(rt, key, session.requested_by)
