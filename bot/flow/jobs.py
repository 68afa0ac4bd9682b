"""The RQ entry points, and nothing else: each finds this process's runtime and runs one flow step.

RQ records a job by its function's import path. Jobs queued or scheduled by an older release (a
reminder waits a day, a session lives a week) name the old paths: `bot/jobs.py` and `bot/followups.py`
re-export these functions for them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from rq import get_current_job

from bot.flow import commands, followups, read, recount, steps, write
from bot.store.keys import is_session_key, parse_session_key
from bot.store.queue import JobKind
from bot.wiring import JobWiring, Runtime, WorkspaceNotInstalled, WorkspaceUnavailable, current_runtime

log = logging.getLogger(__name__)


def session_scope(key: str) -> str:
    """The tenant scope a session key names (where its team id goes)."""
    return parse_session_key(key).team_id


def workspace(scope: str) -> Runtime | None:
    """This process's runtime as the job's workspace sees it; None (one log line, no retry) once uninstalled,
    or while its token can't be refreshed (the rotation logged why: the workspace must reinstall)."""
    try:
        return current_runtime().for_tenant(scope)
    except WorkspaceUnavailable:
        log.info("job for a workspace whose token can't be refreshed: dropped")
        return None
    except WorkspaceNotInstalled:
        log.info("job for a workspace that is no longer installed: dropped")
        return None


def session_job(key: str, step: Callable[[Runtime, str], object]) -> None:
    """Run one step of the session as its workspace; a job whose session is gone by its end (forgotten while it
    ran or waited) leaves no record: RQ would keep the finished job, the session key among its arguments,
    for the result TTL, after the forget looked."""
    if (rt := workspace(session_scope(key))) is None:
        return
    try:
        step(rt, key)
    finally:
        job = get_current_job()
        if job is not None and not rt.redis.exists(key):
            job.result_ttl = 0


def run_session(key: str) -> None:
    """Read the thread and either post the questions or, when it is clear, write the spec."""
    session_job(key, read.read_step)


def write_session(key: str) -> None:
    """Write, upload and pin the spec for a session in the writing phase."""
    session_job(key, write.write_step)


def refresh_answers(key: str) -> None:
    """Recount the answers after a reply; when every question has one, schedule the spec."""
    session_job(key, recount.refresh_answers)


def auto_write(key: str) -> None:
    """Start writing once every question is answered (re-checked: a reply may have been withdrawn)."""
    session_job(key, recount.auto_write)


def start_from_command(payload: dict[str, Any]) -> None:
    """Handle `/techspec <link>` or `/techspec <words>` after the command was acked."""
    if (rt := workspace(str(payload.get("team_id") or ""))) is not None:
        commands.start_from_command(rt, payload)


def remind(key: str, version: int) -> None:
    """Remind the person who asked, once, if the questions of this version are still unanswered."""
    session_job(key, lambda rt, key: followups.remind(rt, key, version))


def on_job_failure(job: Any, connection: Any, exc_type: Any, exc: Any, traceback: Any) -> None:
    """RQ's failure callback: once a session's job will not be retried again, say so in the thread."""
    if job.retries_left or not job.args or not is_session_key(job.args[0]):
        return  # a retry is coming, or it is not a session's job (those report their own failures)
    log.warning("job given up", extra={"job_id": job.id, "error_type": getattr(exc_type, "__name__", "")})
    if (rt := workspace(session_scope(job.args[0]))) is not None:
        steps.give_up(rt, job.args[0])


# The queue enqueues by kind; these are the functions (and so the import paths) RQ records.
JOBS = JobWiring(
    jobs={
        JobKind.READ: run_session,
        JobKind.WRITE: write_session,
        JobKind.RECOUNT: refresh_answers,
        JobKind.AUTO_WRITE: auto_write,
        JobKind.COMMAND: start_from_command,
        JobKind.REMIND: remind,
    },
    on_failure=on_job_failure,
)
