"""People's replies in a session's thread: recorded as answers (a recount follows on the worker),
withdrawn when deleted, and met with one notice when the session has expired."""

from __future__ import annotations

import uuid

from bot.flow.trigger import DeletedReply, Outcome, ThreadReply
from bot.slack import texts
from bot.spec.records import Reply
from bot.store.keys import parse_session_key
from bot.store.queue import JobKind, job_id, tenant_of
from bot.store.sessions import ACTIVE_PHASES, Phase
from bot.wiring import Runtime


def handle_message(rt: Runtime, change: ThreadReply | DeletedReply) -> Outcome:
    """A reply, an edit or a deletion in some thread (most threads have no session: ignored)."""
    if isinstance(change, DeletedReply):
        return withdraw_reply(rt, change.key, change.ts)
    return record_reply(rt, change.key, change.reply)


def record_reply(rt: Runtime, key: str, reply: Reply) -> Outcome:
    """Record a human reply after the questions as an answer and enqueue a recount."""
    session, last_phase = rt.store.lookup(key)
    if session is None and last_phase in ACTIVE_PHASES | {Phase.FAILED}:
        return tell_expired(rt, key)
    # While reading, the questions may be being posted this very moment: keep the reply, and let the
    # count decide later (by the questions' ts) whether it answers them.
    if session is None or session.phase not in (Phase.READING, Phase.AWAITING_ANSWERS):
        return "ignored"
    if session.questions_ts and float(reply.ts) <= float(session.questions_ts):
        return "ignored"  # part of the discussion, not an answer (an edit of an older message)
    rt.store.record_reply(key, reply)
    _enqueue_recount(rt, key, reply.ts, tenant_of(session.team_id, session.requested_by))
    return "started"


def tell_expired(rt: Runtime, key: str) -> Outcome:
    """Say once, in the thread, that its session expired and how to start again."""
    if not rt.store.forget_history(key):
        return "ignored"  # another reply arriving at the same moment already said it
    thread = parse_session_key(key)
    days = max(1, rt.settings.techspec_session_ttl_seconds // 86400)
    rt.slack.post(thread.channel_id, thread.thread_ts, texts.expired_notice(days))
    return "ignored"


def withdraw_reply(rt: Runtime, key: str, ts: str) -> Outcome:
    """Forget a deleted reply and enqueue a recount."""
    session = rt.store.get(key)
    if session is None or session.phase not in ACTIVE_PHASES:
        return "ignored"
    if rt.store.remove_reply(key, ts):
        _enqueue_recount(rt, key, ts, tenant_of(session.team_id, session.requested_by))
    return "started"


def _enqueue_recount(rt: Runtime, key: str, ts: str, tenant: str) -> None:
    # A fresh id per reply: recounts are cheap and each must see the replies as they are now.
    rt.queue.enqueue(JobKind.RECOUNT, key, job_id=job_id("recount", key, ts, uuid.uuid4().hex[:8]), tenant=tenant)
