"""What a trigger does before the slow work: claim the session atomically, show it is on it, enqueue.

Listeners call these right after acking, so the reaction and status line appear within a second or
two whatever the queue holds; everything slow (reading the thread, the model) runs on the worker.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Literal

from pydantic import BaseModel

from bot.slack import texts as messages
from bot.spec.records import Reply
from bot.store.queue import job_id
from bot.store.sessions import ACTIVE_PHASES, Phase, Session, TransitionRefused, session_key
from bot.wiring import Runtime

log = logging.getLogger(__name__)

Outcome = Literal["started", "write_requested", "resumed", "busy", "duplicate", "ignored", "cancelled"]
STEP_JOBS = {
    Phase.READING: "bot.flow.jobs.run_session",
    Phase.WRITING: "bot.flow.jobs.write_session",
}


class Trigger(BaseModel):
    """A request to work on a thread: who asked, where, and from which message."""

    team_id: str
    channel_id: str
    thread_ts: str
    trigger_ts: str
    user_id: str
    text: str = ""
    source: Literal["mention", "shortcut", "command", "button"] = "mention"
    dedupe_id: str = ""  # what makes this request unique when it is not the triggering message itself

    @property
    def key(self) -> str:
        """The session key of the thread."""
        return session_key(self.team_id, self.channel_id, self.thread_ts)


def handle_trigger(rt: Runtime, trigger: Trigger) -> Outcome:
    """Start, continue or resume the thread's session; exactly once per triggering message."""
    if trigger.source != "button" and not rt.store.claim_trigger(
        trigger.channel_id, trigger.dedupe_id or trigger.trigger_ts
    ):
        return "duplicate"  # Slack's retry, or the same mention delivered as app_mention and message
    session, last_phase = rt.store.lookup(trigger.key)
    if session is not None and session.phase == Phase.DONE and session.spec_markdown:
        if trigger.source == "button":
            return "busy"  # "Generate now" on questions whose spec is already done
        from bot.flow.revisions import start_revision  # local: revisions builds on this module

        return start_revision(rt, trigger, "revise")  # a thread that has a spec: its next version
    if session is None or session.phase in (Phase.DONE, Phase.CANCELLED):
        expired = session is None and last_phase in ACTIVE_PHASES | {Phase.FAILED}
        return start_session(rt, trigger, previous=session, expired=expired)
    if is_stale_button(trigger, session):
        tell(rt, trigger, STALE_BUTTON)
        return "ignored"
    if session.phase == Phase.AWAITING_ANSWERS:
        if trigger.text:
            record_reply(rt, trigger.key, Reply(ts=trigger.trigger_ts, user_id=trigger.user_id, text=trigger.text))
        return request_write(rt, trigger.key, trigger.user_id)
    if session.phase == Phase.FAILED:
        return resume_failed(rt, trigger.key)
    if is_abandoned(rt, session):
        return resume_abandoned(rt, trigger.key)
    if session.phase == Phase.READING and remember_go_ahead(rt, trigger):
        return "write_requested"
    tell(rt, trigger, "I'm already working on this thread; I'll post here when there's something to see.")
    return "busy"


# A step holds the session's lease while it runs; a session in a working phase that nobody holds and
# that has not changed for this long has lost its job (RQ gave up on it, or Redis lost the queue).
ABANDONED_AFTER_SECONDS = 600


def is_abandoned(rt: Runtime, session: Session) -> bool:
    """True when a reading/writing session has no running step and has not moved for a long time."""
    if session.phase not in (Phase.READING, Phase.WRITING):
        return False
    return time.time() - session.updated_at > ABANDONED_AFTER_SECONDS and rt.store.lease_ttl(session.key) == 0


def resume_abandoned(rt: Runtime, key: str) -> Outcome:
    """Mark an abandoned session failed in its phase, then resume it like any failed session."""

    def mark(session: Session) -> None:
        session.failed_phase, session.phase = session.phase, Phase.FAILED

    try:
        rt.store.transition(key, {Phase.READING, Phase.WRITING}, mark)
    except TransitionRefused:
        return "busy"
    return resume_failed(rt, key)


def remember_go_ahead(rt: Runtime, trigger: Trigger) -> bool:
    """A mention while the thread is being read: note it with its ts. The reading job acts on it once the
    questions are posted if it came after them (Slack's ts order tells); True when it already could."""

    def note(session: Session) -> None:
        session.go_ahead_by, session.go_ahead_ts = trigger.user_id, trigger.trigger_ts

    try:
        rt.store.transition(trigger.key, {Phase.READING}, note)
    except TransitionRefused:
        # It has just moved on to waiting for answers: handle the mention as usual.
        session = rt.store.get(trigger.key)
        if session is not None and session.phase == Phase.AWAITING_ANSWERS:
            request_write(rt, trigger.key, trigger.user_id)
            return True
    return False


def start_session(rt: Runtime, trigger: Trigger, previous: Session | None, expired: bool = False) -> Outcome:
    """Create the session (or its next version), react, post the status line, enqueue the reading job."""
    fresh = Session(
        team_id=trigger.team_id,
        channel_id=trigger.channel_id,
        thread_ts=trigger.thread_ts,
        version=previous.version + 1 if previous else 1,
        requested_by=trigger.user_id,
        trigger_ts=trigger.trigger_ts,
    )
    if previous is None:
        if not rt.store.create(fresh):
            return "busy"  # another trigger created it a moment ago
    else:
        try:
            rt.store.transition(trigger.key, {Phase.DONE, Phase.CANCELLED}, lambda s: _replace(s, fresh))
        except TransitionRefused:
            return "busy"
    acknowledge_or_undo(rt, trigger, previous, expired)
    rt.queue.enqueue(
        STEP_JOBS[Phase.READING], trigger.key, job_id=job_id("read", trigger.key, fresh.version, fresh.instance)
    )
    return "started"


def acknowledge_or_undo(rt: Runtime, trigger: Trigger, previous: Session | None, expired: bool = False) -> None:
    """Acknowledge a session just started; if Slack refuses, put the thread back as it was and re-raise."""
    try:
        acknowledge(rt, trigger, expired)
    except Exception:
        # Not in the channel, archived, a missing scope, rate limits after retries, storage trouble:
        # undo, so the retry after the fix starts cleanly, and let the listener say what to do.
        try:
            if previous is None:
                rt.store.delete(trigger.key)
            else:
                rt.store.update(trigger.key, lambda s: _replace(s, previous))
            rt.store.release_trigger(trigger.channel_id, trigger.dedupe_id or trigger.trigger_ts)
        except Exception:  # noqa: BLE001 - the original error is the one to report
            log.exception("could not undo a session start")
        raise


def acknowledge(rt: Runtime, trigger: Trigger, expired: bool = False) -> None:
    """Show at once that the bot is on it: :eyes: on the triggering message and a status line."""
    rt.slack.react(trigger.channel_id, trigger.trigger_ts, "eyes")
    text = messages.status_reading()
    if expired:
        text = messages.expired_restart() + "\n" + text
    status_ts = rt.slack.post(trigger.channel_id, trigger.thread_ts, text)
    rt.store.update(trigger.key, lambda s: setattr(s, "status_ts", status_ts))


def request_write(rt: Runtime, key: str, user_id: str) -> Outcome:
    """Move a session waiting for answers to writing and enqueue the writing job (once)."""
    try:
        session = rt.store.transition(key, {Phase.AWAITING_ANSWERS}, lambda s: _mark_write(s, user_id))
    except TransitionRefused as refused:
        log.info("write not requested", extra={"phase": str(refused)})
        return "busy"
    rt.queue.enqueue(STEP_JOBS[Phase.WRITING], key, job_id=job_id("write", key, session.version, session.instance))
    return "write_requested"


def resume_failed(rt: Runtime, key: str) -> Outcome:
    """Put a failed session back into the step that failed and enqueue that step again."""

    def reopen(session: Session) -> None:
        session.phase = session.failed_phase or Phase.READING
        session.failure = None

    try:
        session = rt.store.transition(key, {Phase.FAILED}, reopen)
    except TransitionRefused:
        return "busy"
    if session.phase == Phase.AWAITING_ANSWERS:
        return "resumed"
    if session.status_ts:
        rt.slack.update(session.channel_id, session.status_ts, messages.status_reading())
    step = STEP_JOBS.get(session.phase, STEP_JOBS[Phase.READING])
    nonce = rt.store.next_attempt(key)
    rt.queue.enqueue(step, key, job_id=job_id(session.phase.value, key, session.version, nonce))
    return "resumed"


STALE_BUTTON = "Those buttons belong to an earlier round of questions; use the ones on the latest questions."


def is_stale_button(trigger: Trigger, session: Session) -> bool:
    """True for a button on a questions message that is not this session's current one."""
    return trigger.source == "button" and bool(session.questions_ts) and trigger.trigger_ts != session.questions_ts


def cancel(rt: Runtime, trigger: Trigger) -> Outcome:
    """End a session that is still waiting for answers (from the Cancel button of its questions)."""
    key, user_id = trigger.key, trigger.user_id
    current = rt.store.get(key)
    if current is not None and is_stale_button(trigger, current):
        tell(rt, trigger, STALE_BUTTON)
        return "ignored"
    try:
        session = rt.store.transition(key, {Phase.AWAITING_ANSWERS}, lambda s: setattr(s, "phase", Phase.CANCELLED))
    except TransitionRefused:
        return "busy"
    if session.status_ts:
        rt.slack.update(session.channel_id, session.status_ts, messages.status_cancelled(user_id))
    return "cancelled"


def record_reply(rt: Runtime, key: str, reply: Reply) -> Outcome:
    """Record a human reply after the questions as an answer and enqueue a recount."""
    session, last_phase = rt.store.lookup(key)
    if session is None and last_phase in ACTIVE_PHASES | {Phase.FAILED}:
        return tell_expired(rt, key, reply)
    # While reading, the questions may be being posted this very moment: keep the reply, and let the
    # count decide later (by the questions' ts) whether it answers them.
    if session is None or session.phase not in (Phase.READING, Phase.AWAITING_ANSWERS):
        return "ignored"
    if session.questions_ts and float(reply.ts) <= float(session.questions_ts):
        return "ignored"  # part of the discussion, not an answer (an edit of an older message)
    rt.store.record_reply(key, reply)
    rt.queue.enqueue(
        "bot.flow.jobs.refresh_answers", key, job_id=job_id("recount", key, reply.ts, uuid.uuid4().hex[:8])
    )
    return "started"


def tell_expired(rt: Runtime, key: str, reply: Reply) -> Outcome:
    """Say once, in the thread, that its session expired and how to start again."""
    _, team_id, channel_id, thread_ts = key.rsplit(":", 3)
    if not rt.store.forget_history(key):
        return "ignored"  # another reply arriving at the same moment already said it
    days = max(1, rt.settings.techspec_session_ttl_seconds // 86400)
    rt.slack.post(channel_id, thread_ts, messages.expired_notice(days))
    return "ignored"


def withdraw_reply(rt: Runtime, key: str, ts: str) -> Outcome:
    """Forget a deleted reply and enqueue a recount."""
    session = rt.store.get(key)
    if session is None or session.phase not in ACTIVE_PHASES:
        return "ignored"
    if rt.store.remove_reply(key, ts):
        rt.queue.enqueue("bot.flow.jobs.refresh_answers", key, job_id=job_id("recount", key, ts, uuid.uuid4().hex[:8]))
    return "started"


def tell(rt: Runtime, trigger: Trigger, text: str) -> None:
    """Say something only the person who triggered will see, in the thread."""
    rt.slack.post_ephemeral(trigger.channel_id, trigger.user_id, text, thread_ts=trigger.thread_ts)


def _replace(session: Session, fresh: Session) -> None:
    for name in Session.model_fields:
        setattr(session, name, getattr(fresh, name))


def _mark_write(session: Session, user_id: str) -> None:
    session.phase = Phase.WRITING
    session.write_requested_by = user_id
