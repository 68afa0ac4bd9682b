"""After each reply: recount the answers, update the status line, and write once every question has one."""

from __future__ import annotations

from bot.flow.followups import announce_replacements
from bot.flow.intake import request_write
from bot.flow.status import set_status
from bot.slack import texts
from bot.spec.answers import match_answers
from bot.store.queue import JobKind, job_id, tenant_of
from bot.store.sessions import Phase
from bot.wiring import Runtime


def refresh_answers(rt: Runtime, key: str) -> None:
    """Recount the answers after a reply; when every question has one, schedule the spec."""
    session = rt.store.get(key)
    if session is None or session.phase != Phase.AWAITING_ANSWERS:
        return
    sheet = match_answers(session.questions, rt.store.answers(session))
    answered, total = len(sheet.answered()), len(session.questions)
    announce_replacements(rt, session, sheet)
    set_status(rt, session, texts.status_waiting(answered, total, session.phrases))
    if total and answered >= total:
        # A short grace period: people often add a correction right after the last answer.
        rt.queue.enqueue(
            JobKind.AUTO_WRITE,
            key,
            job_id=job_id("auto", key, session.version, rt.store.next_attempt(key)),
            delay_seconds=rt.settings.techspec_auto_write_delay_seconds,
            tenant=tenant_of(session.team_id, session.requested_by),
        )


def auto_write(rt: Runtime, key: str) -> None:
    """Start writing once every question is answered (re-checked: a reply may have been withdrawn)."""
    session = rt.store.get(key)
    if session is None or session.phase != Phase.AWAITING_ANSWERS:
        return
    sheet = match_answers(session.questions, rt.store.answers(session))
    if len(sheet.answered()) >= len(session.questions):
        request_write(rt, key, session.requested_by)
