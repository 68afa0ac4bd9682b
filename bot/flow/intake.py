"""What a trigger does before the slow work: claim the session atomically, show it is on it, enqueue.

Listeners call these right after acking, so the reaction and status line appear within a second or
two whatever the queue holds; everything slow (reading the thread, the model) runs on the worker.
"""

from __future__ import annotations

import logging
import time

from bot.flow.admission import admit_start
from bot.flow.replies import record_reply
from bot.flow.revisions import start_revision
from bot.flow.status import acknowledge_or_undo, replace_session, tell
from bot.flow.steps import enqueue_step
from bot.flow.trigger import Outcome, Trigger
from bot.slack import texts
from bot.spec.records import Reply
from bot.store.forget import Tombstones
from bot.store.sessions import ACTIVE_PHASES, Phase, Session, TransitionRefused
from bot.wiring import Runtime

log = logging.getLogger(__name__)

# A step holds the session's lease while it runs; a session in a working phase that nobody holds and
# that has not changed for this long has lost its job (RQ gave up on it, or Redis lost the queue).
ABANDONED_AFTER_SECONDS = 600
BUSY = "I'm already working on this thread; I'll post here when there's something to see."
HELD = (
    "I'm already writing the spec, so anything new in your message goes into the next version: once the "
    "spec is posted, press *Revise* on it (or mention @techspec) and I'll add what was said since."
)
READING_SLOWLY = (
    "I'm still reading this thread: Slack lets this app read it only a page at a time. The status line shows "
    "how far I am, and I'll post here when there's something to see."
)
STALE_BUTTON = "Those buttons belong to an earlier round of questions; use the ones on the latest questions."


def handle_trigger(rt: Runtime, trigger: Trigger) -> Outcome:
    """Start, continue or resume the thread's session; exactly once per triggering message."""
    rt = rt.for_tenant(trigger.team_id)
    if Tombstones(rt.redis).covers(trigger.team_id, trigger.channel_id, trigger.thread_ts, trigger.trigger_ts):
        return "ignored"  # a late delivery of a request sent before the thread or channel was forgotten
    if trigger.source != "button" and not rt.store.claim_trigger(
        trigger.team_id, trigger.channel_id, trigger.claim_id, trigger.key
    ):
        return "duplicate"  # Slack's retry, or the same mention delivered as app_mention and message
    session, last_phase = rt.store.lookup(trigger.key)
    if session is not None and session.phase == Phase.DONE and session.spec_markdown:
        # A thread that has a spec: a mention starts its next version ("Generate now" is stale there).
        return "busy" if trigger.source == "button" else start_revision(rt, trigger, "revise")
    if session is None or session.phase in (Phase.DONE, Phase.CANCELLED):
        expired = session is None and last_phase in ACTIVE_PHASES | {Phase.FAILED}
        return start_session(rt, trigger, previous=session, expired=expired)
    if is_stale_button(trigger, session):
        tell(rt, trigger, STALE_BUTTON)
        return "ignored"
    return continue_session(rt, trigger, session)


def first_delivery(rt: Runtime, trigger: Trigger) -> bool:
    """True the first time an interactive payload is seen: a redelivered or replayed click has no effect."""
    if not trigger.dedupe_id or rt.store.claim_trigger(
        trigger.team_id, trigger.channel_id, trigger.dedupe_id, trigger.key
    ):
        return True
    log.info("interactive payload seen before; ignored", extra={"source": trigger.source})
    return False


def continue_session(rt: Runtime, trigger: Trigger, session: Session) -> Outcome:
    """A trigger in a thread whose session is under way: go ahead, resume, or say it is busy."""
    if session.phase == Phase.AWAITING_ANSWERS:
        if trigger.text:
            record_reply(rt, trigger.key, Reply(ts=trigger.trigger_ts, user_id=trigger.user_id, text=trigger.text))
        return request_write(rt, trigger.key, trigger.user_id)
    if session.phase == Phase.FAILED:
        return resume_failed(rt, trigger.key)
    if is_abandoned(rt, session):
        return resume_abandoned(rt, trigger.key)
    if session.phase == Phase.WRITING and trigger.text:
        return hold_for_next(rt, trigger)
    if session.phase == Phase.READING and remember_go_ahead(rt, trigger):
        return "write_requested"
    tell(rt, trigger, READING_SLOWLY if is_paced(session) else BUSY)
    return "busy"


def hold_for_next(rt: Runtime, trigger: Trigger) -> Outcome:
    """A mention with something to say while the spec is being written: keep it for the next version."""

    def hold(session: Session) -> None:
        session.held_for_next = [*session.held_for_next, trigger.trigger_ts][-50:]

    try:
        rt.store.transition(trigger.key, {Phase.WRITING}, hold)
    except TransitionRefused:
        tell(rt, trigger, BUSY)
        return "busy"
    tell(rt, trigger, HELD)
    return "ignored"


def is_abandoned(rt: Runtime, session: Session) -> bool:
    """True when a reading/writing session has no running step and has not moved for a long time."""
    if session.phase not in (Phase.READING, Phase.WRITING):
        return False
    # A read paused by Slack's slow tier holds no lease until its next page is due: it has moved when it paused.
    moved = max(session.updated_at, session.paused_until or 0.0)
    return time.time() - moved > ABANDONED_AFTER_SECONDS and rt.store.lease_ttl(session.key) == 0


def is_paced(session: Session) -> bool:
    """True when the session's read is waiting for Slack's slow tier (its next page due within a window)."""
    paused_until = session.paused_until if session.phase == Phase.READING else None
    return paused_until is not None and paused_until > time.time() - ABANDONED_AFTER_SECONDS


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
    if not admit_start(rt, trigger):
        return "refused"
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
            rt.store.transition(trigger.key, {Phase.DONE, Phase.CANCELLED}, lambda s: replace_session(s, fresh))
        except TransitionRefused:
            return "busy"
    acknowledge_or_undo(rt, trigger, previous, expired)
    enqueue_step(rt, fresh, fresh.instance)
    return "started"


def request_write(rt: Runtime, key: str, user_id: str) -> Outcome:
    """Move a session waiting for answers to writing and enqueue the writing job (once)."""
    try:
        session = rt.store.transition(key, {Phase.AWAITING_ANSWERS}, lambda s: _mark_write(s, user_id))
    except TransitionRefused as refused:
        log.info("write not requested", extra={"phase": str(refused)})
        return "busy"
    enqueue_step(rt, session, session.instance)
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
        rt.slack.update(session.channel_id, session.status_ts, texts.status_reading())
    enqueue_step(rt, session, "retry", rt.store.next_attempt(key))
    return "resumed"


def is_stale_button(trigger: Trigger, session: Session) -> bool:
    """True for a button on a questions message that is not this session's current one."""
    return trigger.source == "button" and bool(session.questions_ts) and trigger.trigger_ts != session.questions_ts


def cancel(rt: Runtime, trigger: Trigger) -> Outcome:
    """End a session that is still waiting for answers (from the Cancel button of its questions)."""
    current = rt.store.get(trigger.key)
    if current is not None and is_stale_button(trigger, current):
        tell(rt, trigger, STALE_BUTTON)
        return "ignored"
    try:
        session = rt.store.transition(
            trigger.key, {Phase.AWAITING_ANSWERS}, lambda s: setattr(s, "phase", Phase.CANCELLED)
        )
    except TransitionRefused:
        return "busy"
    if session.status_ts:
        rt.slack.update(session.channel_id, session.status_ts, texts.status_cancelled(trigger.user_id))
    return "cancelled"


def _mark_write(session: Session, user_id: str) -> None:
    session.phase = Phase.WRITING
    session.write_requested_by = user_id
