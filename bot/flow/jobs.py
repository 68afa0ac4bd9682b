"""The RQ entry points, and nothing else: each finds this process's runtime and runs one flow step.

RQ records a job by its function's import path. Jobs queued or scheduled by an older release (a
reminder waits a day, a session lives a week) name the old paths: `bot/jobs.py` and `bot/followups.py`
re-export these functions for them.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.flow import commands, followups, read, recount, steps, write
from bot.store.keys import is_session_key, parse_session_key
from bot.store.queue import JobKind
from bot.wiring import JobWiring, Runtime, current_runtime

log = logging.getLogger(__name__)


def _runtime(key: str) -> Runtime:
    """This process's runtime as the session's workspace sees it (its token, its admin's settings)."""
    return current_runtime().for_tenant(parse_session_key(key).team_id)


def run_session(key: str) -> None:
    """Read the thread and either post the questions or, when it is clear, write the spec."""
    read.read_step(_runtime(key), key)


def write_session(key: str) -> None:
    """Write, upload and pin the spec for a session in the writing phase."""
    write.write_step(_runtime(key), key)


def refresh_answers(key: str) -> None:
    """Recount the answers after a reply; when every question has one, schedule the spec."""
    recount.refresh_answers(_runtime(key), key)


def auto_write(key: str) -> None:
    """Start writing once every question is answered (re-checked: a reply may have been withdrawn)."""
    recount.auto_write(_runtime(key), key)


def start_from_command(payload: dict[str, Any]) -> None:
    """Handle `/techspec <link>` or `/techspec <words>` after the command was acked."""
    commands.start_from_command(current_runtime().for_tenant(str(payload.get("team_id"))), payload)


def remind(key: str, version: int) -> None:
    """Remind the person who asked, once, if the questions of this version are still unanswered."""
    followups.remind(_runtime(key), key, version)


def on_job_failure(job: Any, connection: Any, exc_type: Any, exc: Any, traceback: Any) -> None:
    """RQ's failure callback: once a session's job will not be retried again, say so in the thread."""
    if job.retries_left or not job.args or not is_session_key(job.args[0]):
        return  # a retry is coming, or it is not a session's job (those report their own failures)
    log.warning("job given up", extra={"job_id": job.id, "error_type": getattr(exc_type, "__name__", "")})
    steps.give_up(_runtime(job.args[0]), job.args[0])


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
