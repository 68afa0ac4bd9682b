"""How a worker step runs: only in its phase, under the session's lease, and never silently.

Every step is safe to run again (RQ re-queues a job whose worker died): it checks the session's
phase first, and what was already posted or uploaded is recorded on the session and reused.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from rq import get_current_job
from slack_sdk.errors import SlackApiError

from bot.errors import TechspecError
from bot.flow.paced import ReadPaused
from bot.flow.spend import metered
from bot.flow.status import set_status
from bot.logs import timed_step
from bot.obs import metrics
from bot.slack import texts
from bot.slack.failures import as_access_error
from bot.store.lease import LEASE_SECONDS, seconds_until_free, session_lease
from bot.store.queue import JobKind, job_id, tenant_of
from bot.store.sessions import ACTIVE_PHASES, Phase, Session, TransitionRefused
from bot.wiring import Runtime

log = logging.getLogger(__name__)

# The one table of steps: which job carries a session on from each working phase.
STEP_KINDS: dict[Phase, JobKind] = {Phase.READING: JobKind.READ, Phase.WRITING: JobKind.WRITE}


def enqueue_step(rt: Runtime, session: Session, *parts: object) -> None:
    """Queue the job for the session's current working phase (parts make the job id unique)."""
    kind = STEP_KINDS[session.phase]
    step_id = job_id(kind, session.key, session.version, *parts)
    rt.queue.enqueue(kind, session.key, job_id=step_id, tenant=tenant_of(session.team_id, session.requested_by))


@contextmanager
def session_step(rt: Runtime, key: str, kind: JobKind, phases: set[Phase], what: str) -> Iterator[Session | None]:
    """Yield the session when it is in one of phases and this process holds its lease, else None;
    any failure of the body becomes a plain message in the thread."""
    session = rt.store.get(key)
    if session is None or session.phase not in phases:
        log.info("step skipped", extra={"step": kind.value, "phase": session.phase if session else None})
        yield None
        return
    job = get_current_job()
    owner = f"{job.id if job else 'inline'}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    # Wait out the lease of a holder that died (a live holder keeps refreshing it: then defer).
    with session_lease(rt.store, key, owner, wait_seconds=LEASE_SECONDS + 2) as held:
        if not held:
            # Another process is still running this session's step (e.g. the first attempt of this job
            # outlived its worker): look again once its lease would have expired if it died.
            log.info("step deferred: another process holds the session", extra={"step": kind.value})
            again = job_id(kind, key, "again", uuid.uuid4().hex[:8])
            delay, tenant = seconds_until_free(rt.store, key), tenant_of(session.team_id, session.requested_by)
            rt.queue.enqueue(kind, key, job_id=again, delay_seconds=delay, tenant=tenant)
            yield None
            return
        yield from _reporting_failures(rt, key, kind, session, what)


def _reporting_failures(rt: Runtime, key: str, kind: JobKind, session: Session, what: str) -> Iterator[Session]:
    """Yield the session to the step's body and turn any failure into a thread message."""
    try:
        with timed_step(log, kind.value, session=key, version=session.version), metered(rt, session.team_id):
            yield session
    except ReadPaused as exc:
        # Slack's slow tier: the pages read so far are saved; free this worker and come back when Slack allows.
        paused(rt, key, kind, session, max(1.0, exc.delay_seconds))
    except TechspecError as exc:
        fail(rt, key, what, exc)
    except SlackApiError as exc:
        fail(rt, key, what, as_access_error(exc))
    except TransitionRefused as exc:
        log.info("step ended: session moved on", extra={"step": kind.value, "phase": str(exc)})
    except Exception:
        log.exception("step crashed", extra={"step": kind.value, "session": key})
        fail(rt, key, what, TechspecError("unexpected", user_message="An unexpected error occurred on my side."))


def paused(rt: Runtime, key: str, kind: JobKind, session: Session, delay: float) -> None:
    """Note on the session when the paused read goes on (no lease is held until then, and a session that
    does not move looks abandoned), then schedule the step for that time."""
    try:
        rt.store.transition(key, {session.phase}, lambda s: setattr(s, "paused_until", time.time() + delay))
    except TransitionRefused:
        return  # it moved on meanwhile (cancelled, forgotten): nothing to go on with
    again = job_id(kind, key, session.version, "paced", uuid.uuid4().hex[:8])
    rt.queue.enqueue(
        kind, key, job_id=again, delay_seconds=delay, tenant=tenant_of(session.team_id, session.requested_by)
    )


def fail(rt: Runtime, key: str, what: str, exc: TechspecError) -> None:
    """Mark the session failed (resumable by a new mention) and say so in the thread."""
    log.warning("step failed", extra={"session": key, "error_type": type(exc).__name__, "detail": str(exc)[:200]})

    def mark(session: Session) -> None:
        session.failed_phase = session.phase
        session.phase = Phase.FAILED
        session.failure = exc.user_message

    try:
        session = rt.store.transition(key, ACTIVE_PHASES, mark)
    except TransitionRefused:
        return
    metrics.session_ended("failed")
    text = texts.failure(what, exc.user_message, retryable=exc.retryable)
    try:
        set_status(rt, session, text)
        rt.slack.unreact(session.channel_id, session.trigger_ts, "eyes")
        rt.slack.react(session.channel_id, session.trigger_ts, "warning")
    except SlackApiError:
        log.warning("could not report the failure in Slack", extra={"session": key})


def give_up(rt: Runtime, key: str) -> None:
    """RQ gave up on the session's job (its workers kept dying): fail the session and say so in the thread."""
    lost = TechspecError("abandoned", user_message="The process working on it stopped unexpectedly (several times).")
    fail(rt, key, "finish this", lost)
