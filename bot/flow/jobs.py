"""Queue jobs: each loads the session, runs one step through the services, and reports in Slack.

Every job is safe to run again (RQ re-queues a job whose worker died): each step checks the
session's phase first, and what was already posted or uploaded is recorded and reused.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rq import get_current_job
from slack_sdk.errors import SlackApiError

from bot.errors import TechspecError
from bot.flow.deliver import ComposedSpec, compose_spec, deliver_spec
from bot.flow.followups import announce_replacements, schedule_reminder
from bot.flow.intake import Trigger, handle_trigger, request_write
from bot.flow.results import announce_result
from bot.flow.thread import load_thread
from bot.logs import timed_step
from bot.slack import texts as messages
from bot.slack.gateway import as_access_error, slack_error_code
from bot.spec.answers import AnswerSheet, match_answers
from bot.spec.clarify import clarify
from bot.spec.discussion import Discussion
from bot.store.lease import LEASE_SECONDS, seconds_until_free, session_lease
from bot.store.queue import job_id
from bot.store.sessions import ACTIVE_PHASES, Phase, Session, TransitionRefused
from bot.wiring import Runtime, current_runtime

log = logging.getLogger(__name__)
MAX_QUESTIONS = 12


def run_session(key: str) -> None:
    """Read the thread and either post the questions or, when it is clear, write the spec."""
    rt = current_runtime()
    read = "read the thread and prepare questions"
    with _session_step(rt, key, "read", {Phase.READING, Phase.WRITING}, read) as session:
        if session is None:
            return
        if session.phase == Phase.WRITING:
            # This job is re-running after its worker died while writing the spec of a clear thread.
            _write(rt, session)
            return
        thread = load_thread(rt, session)
        if not thread.has_discussion():
            raise TechspecError("empty thread", user_message=messages.NOTHING_TO_READ)
        if session.status_ts:
            rt.slack.update(
                session.channel_id, session.status_ts, messages.status_reading(thread.human_count, session.phrases)
            )
        discussion = thread.discussion(rt, session, AnswerSheet(answers={}, general=[]))
        outcome = clarify(discussion, rt.llm, MAX_QUESTIONS)
        if outcome.clear:
            session = rt.store.transition(
                key, {Phase.READING}, lambda s: _start_writing(s, outcome.title, outcome.language)
            )
            _set_status(rt, session, messages.status_clear())
            _write(rt, session, discussion)  # no answers to add: reuse this reading of the thread
            return
        if session.questions_ts is None:
            ts = rt.slack.post(
                session.channel_id,
                session.thread_ts,
                messages.questions_text(outcome.questions),
                messages.questions_blocks(outcome.title, outcome.questions, key, outcome.phrases),
            )
            # Saving the questions and moving to awaiting answers is one transition, so a mention
            # right after the questions appear finds the session ready for "go ahead".
            session = rt.store.transition(key, {Phase.READING}, lambda s: _await_answers(s, outcome, ts))
        else:  # a rerun after a crash that happened after the questions were posted
            session = rt.store.transition(key, {Phase.READING}, lambda s: setattr(s, "phase", Phase.AWAITING_ANSWERS))
        if went_ahead_after_questions(session):  # "go ahead" while the questions were being posted
            request_write(rt, key, session.go_ahead_by or session.requested_by)
            return
        schedule_reminder(rt, session)
        # Replies that arrived while the questions were being posted are counted now.
        refresh_answers(key)


def write_session(key: str) -> None:
    """Write, upload and pin the spec for a session in the writing phase."""
    rt = current_runtime()
    with _session_step(rt, key, "write", {Phase.WRITING}, "write the spec") as session:
        if session is not None:
            _write(rt, session)


def refresh_answers(key: str) -> None:
    """Recount the answers after a reply; when every question has one, schedule the spec."""
    rt = current_runtime()
    session = rt.store.get(key)
    if session is None or session.phase != Phase.AWAITING_ANSWERS:
        return
    sheet = match_answers(session.questions, rt.store.answers(session))
    answered, total = len(sheet.answered()), len(session.questions)
    announce_replacements(rt, session, sheet)
    _set_status(rt, session, messages.status_waiting(answered, total, session.phrases))
    if total and answered >= total:
        rt.queue.enqueue(
            "bot.flow.jobs.auto_write",
            key,
            job_id=job_id("auto", key, session.version, rt.store.next_attempt(key)),
            delay_seconds=rt.settings.techspec_auto_write_delay_seconds,
        )


def on_job_failure(job: Any, connection: Any, exc_type: Any, exc: Any, traceback: Any) -> None:
    """RQ's failure callback: once a session's job will not be retried again, say so in the thread."""
    if job.retries_left or not job.args or not isinstance(job.args[0], str) or ":session:" not in job.args[0]:
        return  # a retry is coming, or it is not a session's job (those report their own failures)
    log.warning("job given up", extra={"job_id": job.id, "error_type": getattr(exc_type, "__name__", "")})
    lost = TechspecError("abandoned", user_message="The process working on it stopped unexpectedly (several times).")
    _fail(current_runtime(), job.args[0], "finish this", lost)


def auto_write(key: str) -> None:
    """Start writing once every question is answered (re-checked: a reply may have been withdrawn)."""
    rt = current_runtime()
    session = rt.store.get(key)
    if session is None or session.phase != Phase.AWAITING_ANSWERS:
        return
    sheet = match_answers(session.questions, rt.store.answers(session))
    if len(sheet.answered()) >= len(session.questions):
        request_write(rt, key, session.requested_by)


def start_from_command(payload: dict[str, Any]) -> None:
    """Handle `/techspec <link>` or `/techspec <words>` after the command was acked."""
    from bot.flow.commands import resolve_command  # local: commands imports jobs' siblings only

    rt = current_runtime()
    try:
        trigger = resolve_command(rt, payload)
    except TechspecError as exc:
        rt.slack.respond(payload["response_url"], exc.user_message)
        return
    except SlackApiError as exc:
        rt.slack.respond(payload["response_url"], as_access_error(exc).user_message)
        return
    if trigger is not None:
        _start_or_explain(rt, trigger, payload["response_url"])


def _start_or_explain(rt: Runtime, trigger: Trigger, response_url: str) -> None:
    try:
        handle_trigger(rt, trigger)
    except SlackApiError as exc:
        rt.slack.respond(response_url, as_access_error(exc).user_message)


def _write(rt: Runtime, session: Session, discussion: Discussion | None = None) -> None:
    _set_status(rt, session, messages.status_writing(session.phrases))
    if session.spec_markdown is None:
        composed = compose_spec(rt, session, discussion)
        session = rt.store.update(session.key, lambda s: _save_spec(s, composed))
    session = deliver_spec(rt, session)
    # The spec is pinned: what follows is the finishing touches. They run before the session is done,
    # so a crash here re-runs them (each is recorded), and a Slack error here never fails the spec.
    link = rt.slack.permalink(session.channel_id, session.share_ts) if session.share_ts else None
    try:
        rt.slack.unreact(session.channel_id, session.trigger_ts, "eyes")
        rt.slack.react(session.channel_id, session.trigger_ts, "white_check_mark")
        done = messages.status_done(session.version, link, session.phrases, session.redacted_count, session.pin_error)
        _set_status(rt, session, done)
        announce_result(rt, session, link)
    except SlackApiError as exc:
        log.warning("finishing touches failed", extra={"session": session.key, "error": slack_error_code(exc)})
    rt.store.transition(session.key, {Phase.WRITING}, lambda s: setattr(s, "phase", Phase.DONE))


@contextmanager
def _session_step(rt: Runtime, key: str, step: str, phases: set[Phase], what: str) -> Iterator[Session | None]:
    """Run a step only in its phase and under the session's lease (yielding None when it must not run);
    turn any failure into a thread message."""
    session = rt.store.get(key)
    if session is None or session.phase not in phases:
        log.info("step skipped", extra={"step": step, "phase": session.phase if session else None})
        yield None
        return
    job = get_current_job()
    owner = f"{job.id if job else 'inline'}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    # Wait out the lease of a holder that died (a live holder keeps refreshing it: then defer).
    with session_lease(rt.store, key, owner, wait_seconds=LEASE_SECONDS + 2) as held:
        if not held:
            # Another process is still running this session's step (e.g. the first attempt of this job
            # outlived its worker): look again once its lease would have expired if it died.
            log.info("step deferred: another process holds the session", extra={"step": step})
            again = job_id(step, key, "again", uuid.uuid4().hex[:8])
            rt.queue.enqueue(STEP_FUNCTIONS[step], key, job_id=again, delay_seconds=seconds_until_free(rt.store, key))
            yield None
            return
        yield from _run_step(rt, key, step, session, what)


STEP_FUNCTIONS = {"read": "bot.flow.jobs.run_session", "write": "bot.flow.jobs.write_session"}


def _run_step(rt: Runtime, key: str, step: str, session: Session, what: str) -> Iterator[Session | None]:
    """Yield the session to the step's body and turn any failure into a thread message."""
    try:
        with timed_step(log, step, session=key, version=session.version):
            yield session
    except TechspecError as exc:
        _fail(rt, key, what, exc)
    except SlackApiError as exc:
        _fail(rt, key, what, as_access_error(exc))
    except TransitionRefused as exc:
        log.info("step ended: session moved on", extra={"step": step, "phase": str(exc)})
    except Exception:
        log.exception("step crashed", extra={"step": step, "session": key})
        _fail(rt, key, what, TechspecError("unexpected", user_message="An unexpected error occurred on my side."))


def _fail(rt: Runtime, key: str, what: str, exc: TechspecError) -> None:
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
    text = messages.failure(what, exc.user_message, retryable=exc.retryable)
    try:
        _set_status(rt, session, text)
        rt.slack.unreact(session.channel_id, session.trigger_ts, "eyes")
        rt.slack.react(session.channel_id, session.trigger_ts, "warning")
    except SlackApiError:
        log.warning("could not report the failure in Slack", extra={"session": key})


def _set_status(rt: Runtime, session: Session, text: str) -> None:
    """Update the session's one status message in place (posting it if there is none yet)."""
    if session.status_ts:
        rt.slack.update(session.channel_id, session.status_ts, text)
        return
    ts = rt.slack.post(session.channel_id, session.thread_ts, text)
    rt.store.update(session.key, lambda s: setattr(s, "status_ts", ts))


def _start_writing(session: Session, title: str, language: str) -> None:
    session.phase = Phase.WRITING
    session.title = title
    session.language = language


def went_ahead_after_questions(session: Session) -> bool:
    """True when someone mentioned the bot after its questions, before the session was waiting for answers."""
    return bool(
        session.go_ahead_ts and session.questions_ts and float(session.go_ahead_ts) > float(session.questions_ts)
    )


def _await_answers(session: Session, outcome: Any, ts: str) -> None:
    _save_questions(session, outcome, ts)
    session.phase = Phase.AWAITING_ANSWERS


def _save_questions(session: Session, outcome: Any, ts: str) -> None:
    session.questions = outcome.questions
    session.questions_ts = ts
    session.title = outcome.title
    session.language = outcome.language
    session.phrases = outcome.phrases


def _save_spec(session: Session, composed: ComposedSpec) -> None:
    session.spec_markdown = composed.markdown
    session.spec_comment = composed.comment
    session.spec_summary = composed.summary
    session.redacted_count = composed.redacted_count
