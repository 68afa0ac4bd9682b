"""The read step (on the worker): read the whole thread, then post the questions in ONE message, or
write the spec at once when the thread is already clear."""

from __future__ import annotations

from typing import Any

from bot.errors import TechspecError
from bot.flow.followups import schedule_reminder
from bot.flow.intake import request_write
from bot.flow.recount import refresh_answers
from bot.flow.status import set_status
from bot.flow.steps import session_step
from bot.flow.thread import LoadedThread, load_thread
from bot.flow.write import write_and_deliver
from bot.slack import refusals, texts
from bot.slack.questions import questions_blocks
from bot.spec.answers import AnswerSheet
from bot.spec.clarify import ClarifyOutcome, clarify
from bot.spec.discussion import Discussion
from bot.store.queue import JobKind
from bot.store.sessions import Phase, Session
from bot.wiring import Runtime

MAX_QUESTIONS = 12
WHAT = "read the thread and prepare questions"


def read_step(rt: Runtime, key: str) -> None:
    """Read the thread and either post the questions or, when it is clear, write the spec."""
    with session_step(rt, key, JobKind.READ, {Phase.READING, Phase.WRITING}, WHAT) as session:
        if session is None:
            return
        if session.phase == Phase.WRITING:
            # This job is re-running after its worker died while writing the spec of a clear thread.
            write_and_deliver(rt, session)
            return
        thread = load_thread(rt, session)
        say_what_was_left_out(rt, session, thread)
        if not thread.has_discussion():
            raise TechspecError("empty thread", user_message=texts.NOTHING_TO_READ)
        if session.status_ts:
            text = texts.status_reading(thread.human_count, session.phrases)
            rt.slack.update(session.channel_id, session.status_ts, text)
        discussion = thread.discussion(rt, session, AnswerSheet(answers={}, general=[]))
        outcome = clarify(discussion, rt.llm, MAX_QUESTIONS)
        if outcome.clear:
            write_clear_thread(rt, key, outcome, discussion)
        else:
            ask_questions(rt, session, outcome)


def say_what_was_left_out(rt: Runtime, session: Session, thread: LoadedThread) -> None:
    """Once per version, say in the thread which part of a thread over the reading limits was not read."""
    if thread.left_out is None or not rt.markers.first(
        "leftout", session.key, session.version, ttl_seconds=rt.store.ttl
    ):
        return
    settings = rt.settings
    text = refusals.left_out(thread.left_out, settings.techspec_thread_max_messages, settings.techspec_thread_max_chars)
    rt.slack.post(session.channel_id, session.thread_ts, text)


def write_clear_thread(rt: Runtime, key: str, outcome: ClarifyOutcome, discussion: Discussion) -> None:
    """No questions needed: say so and write the spec from this very reading of the thread."""
    session = rt.store.transition(key, {Phase.READING}, lambda s: _start_writing(s, outcome.title, outcome.language))
    set_status(rt, session, texts.status_clear())
    write_and_deliver(rt, session, discussion)


def ask_questions(rt: Runtime, session: Session, outcome: ClarifyOutcome) -> None:
    """Post the questions (once, even across reruns), then wait for answers."""
    key = session.key
    if session.questions_ts is None:
        ts = _post_questions_once(rt, session, outcome)
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
    refresh_answers(rt, key)


def _post_questions_once(rt: Runtime, session: Session, outcome: ClarifyOutcome) -> str:
    """Post the questions message, or find the one an earlier attempt posted before its Redis write was lost.

    The intent is saved before posting: a rerun that finds it (the worker died, or Redis froze, between
    posting and saving the ts) looks in the thread first, so people never get the questions twice.
    """
    if session.questions_posting and (found := _posted_questions(rt, session)):
        return found
    rt.store.update(session.key, lambda s: setattr(s, "questions_posting", True))
    return rt.slack.post(
        session.channel_id,
        session.thread_ts,
        texts.questions_text(outcome.questions),
        questions_blocks(outcome.title, outcome.questions, session.key, outcome.phrases, more=len(outcome.extra)),
    )


def _posted_questions(rt: Runtime, session: Session) -> str | None:
    """The ts of this session's questions message in the thread, if an earlier attempt posted it."""
    # Only what came after the mention (the questions did): a page or two, whatever Slack's rate tier.
    for message in rt.slack.read_thread(session.channel_id, session.thread_ts, oldest=session.trigger_ts):
        if float(message.get("ts", 0)) <= float(session.trigger_ts):
            continue
        buttons = [e for b in message.get("blocks") or [] for e in b.get("elements") or [] if isinstance(e, dict)]
        if any(e.get("action_id") == texts.GENERATE_ACTION and e.get("value") == session.key for e in buttons):
            return str(message["ts"])
    return None


def went_ahead_after_questions(session: Session) -> bool:
    """True when someone mentioned the bot after its questions, before the session was waiting for answers."""
    return bool(
        session.go_ahead_ts and session.questions_ts and float(session.go_ahead_ts) > float(session.questions_ts)
    )


def _start_writing(session: Session, title: str, language: str) -> None:
    session.phase = Phase.WRITING
    session.title = title
    session.language = language


def _await_answers(session: Session, outcome: Any, ts: str) -> None:
    session.questions = outcome.questions
    session.extra_questions = outcome.extra
    session.questions_ts = ts
    session.title = outcome.title
    session.language = outcome.language
    session.phrases = outcome.phrases
    session.phase = Phase.AWAITING_ANSWERS
