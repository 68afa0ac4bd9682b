"""People's replies in a session's thread: recorded as answers (a recount follows on the worker),
withdrawn when deleted, and met with one notice when the session has expired."""

from __future__ import annotations

import time
import uuid

from bot.flow.paced import thread_copies
from bot.flow.trigger import DeletedReply, Outcome, ThreadReply
from bot.slack import texts
from bot.spec import pacing
from bot.spec.records import Reply
from bot.spec.redaction import redact
from bot.store.keys import parse_session_key
from bot.store.queue import JobKind, job_id, tenant_of
from bot.store.sessions import ACTIVE_PHASES, Phase
from bot.wiring import Runtime


def handle_message(rt: Runtime, change: ThreadReply | DeletedReply) -> Outcome:
    """A reply, an edit or a deletion in some thread (most threads have no session: ignored)."""
    if isinstance(change, DeletedReply):
        thread_copies(rt).change_existing(change.key, lambda copy: pacing.drop(copy, change.ts))
        return withdraw_reply(rt, change.key, change.ts)
    if change.reply.edited:
        # The thread's copy (read once, then only what is new) must show the edit too: redacted, as read.
        text = redact(change.reply.text).text
        thread_copies(rt).change_existing(change.key, lambda copy: pacing.edit(copy, change.reply.ts, text))
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
    rt.store.record_reply(key, redacted(reply))
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
    """Forget a deleted reply at once, whatever the session's phase; recount while answers still count."""
    if not rt.store.remove_reply(key, ts):
        return "ignored"
    session = rt.store.get(key)
    if session is None or session.phase not in ACTIVE_PHASES:
        return "ignored"
    _enqueue_recount(rt, key, ts, tenant_of(session.team_id, session.requested_by))
    return "started"


def redacted(reply: Reply) -> Reply:
    """The reply as it may be stored: secrets never reach Redis."""
    answers = {n: redact(a).text for n, a in reply.answers.items()} if reply.answers is not None else None
    return reply.model_copy(update={"text": redact(reply.text).text, "answers": answers})


def _enqueue_recount(rt: Runtime, key: str, ts: str, tenant: str) -> None:
    window = rt.settings.techspec_attribution_batch_seconds
    if window <= 0:
        # A fresh id per reply: recounts are cheap and each must see the replies as they are now.
        rt.queue.enqueue(
            JobKind.RECOUNT, key, job_id=job_id(JobKind.RECOUNT, key, ts, uuid.uuid4().hex[:8]), tenant=tenant
        )
        return
    # One recount per session per window, run when the window closes: a burst of replies is counted
    # (and its free-form replies attributed) together, in one model request. Later enqueues in the
    # same window are refused as duplicates; the job reads every reply recorded by then.
    now = time.time()
    window_index = int(now // window)
    delay = (window_index + 1) * window - now + 0.05
    rt.queue.enqueue(
        JobKind.RECOUNT, key, job_id=job_id(JobKind.RECOUNT, key, window_index), delay_seconds=delay, tenant=tenant
    )
