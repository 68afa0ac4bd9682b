"""What the bot says in the thread while it waits: that a reply replaced an earlier answer, and one reminder."""

from __future__ import annotations

import logging
from collections import defaultdict

from slack_sdk.errors import SlackApiError

from bot.slack import blocks
from bot.spec.answers import AnswerSheet, Replacement
from bot.store.queue import JobKind, job_id, tenant_of
from bot.store.sessions import Phase, Session
from bot.wiring import Runtime

log = logging.getLogger(__name__)


def announce_replacements(rt: Runtime, session: Session, sheet: AnswerSheet) -> None:
    """Say once per replacing reply which earlier answers it replaced (recounts run often; a marker dedupes)."""
    by_reply: dict[str, list[Replacement]] = defaultdict(list)
    for replacement in sheet.replacements:
        by_reply[replacement.reply_ts].append(replacement)
    for reply_ts, replacements in by_reply.items():
        if not rt.markers.first("replaced", session.key, session.version, reply_ts, ttl_seconds=rt.store.ttl):
            continue
        try:
            rt.slack.post(session.channel_id, session.thread_ts, blocks.replacement_notice(replacements))
        except SlackApiError as exc:
            log.warning("could not say an answer was replaced", extra={"error": str(exc)[:200]})


def schedule_reminder(rt: Runtime, session: Session) -> None:
    """Queue the one reminder for when nobody has answered after TECHSPEC_REMINDER_SECONDS (0: never)."""
    delay = rt.settings.techspec_reminder_seconds
    if delay <= 0:
        return
    rt.queue.enqueue(
        JobKind.REMIND,
        session.key,
        session.version,
        job_id=job_id(JobKind.REMIND, session.key, session.version, session.instance),
        delay_seconds=delay,
        tenant=tenant_of(session.team_id, session.requested_by),
    )


def remind(rt: Runtime, key: str, version: int) -> None:
    """Remind the person who asked, once, if the questions of this version are still unanswered."""
    session = rt.store.get(key)
    if session is None or session.phase != Phase.AWAITING_ANSWERS or session.version != version:
        return
    if rt.store.answers(session):
        return  # someone answered: no reminder
    if not rt.markers.first("reminded", key, version, ttl_seconds=rt.store.ttl):
        return  # at most one, whatever retries or duplicate jobs happen
    text = blocks.reminder_text(session.requested_by, len(session.questions))
    rt.slack.post(session.channel_id, session.thread_ts, text)
