"""The "Answer in a form" modal: open it within Slack's 3 s, and turn a submission into one thread message.

Both run in the web process right after the ack: views.open must use the click's trigger_id within
3 seconds (and only once), so it cannot wait for the queue.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from bot.flow.attribute import answer_sheet
from bot.flow.replies import record_reply
from bot.flow.trigger import Outcome, Trigger
from bot.slack import blocks
from bot.spec.records import Reply
from bot.spec.redaction import redact_text
from bot.store.keys import is_session_key, parse_session_key
from bot.store.sessions import Phase, Session
from bot.wiring import Runtime

log = logging.getLogger(__name__)
NOT_OPEN = "I'm no longer collecting answers in this thread (the spec is being written, is done, or was cancelled)."
EMPTY = "Fill in at least one answer (or close the form)."


def open_answers_form(rt: Runtime, trigger: Trigger, trigger_id: str) -> Outcome:
    """Open the modal for the person who pressed the button, prefilled with the answers so far."""
    session = rt.store.get(trigger.key)
    if session is None or session.phase != Phase.AWAITING_ANSWERS or not session.questions:
        return "busy"
    sheet = answer_sheet(rt, session, rt.store.answers(session), ask=False)  # no model call in the web process
    prefill = {number: answer.text for number, answer in sheet.answers.items()}
    # The form belongs to this round of questions: a later round (a revision) must not take its answers.
    ref = f"{session.key}#{session.questions_ts}"
    view = blocks.answers_modal(ref, session.title or "Technical spec", session.questions, prefill)
    rt.slack.open_view(trigger_id, view)
    return "started"


LATE = (
    "Your answers arrived just after I started writing the spec, so this version doesn't include them. "
    "They're in the thread: press *Revise* on the spec to add them."
)


def check_submission(rt: Runtime, view: dict[str, Any]) -> tuple[Session | None, dict[int, str], dict[str, str]]:
    """The session and the answers of a submitted form, or the errors to show in the form."""
    key, _, questions_ts = str(view.get("private_metadata") or "").partition("#")
    # private_metadata comes back from the client: a form names a session of the request's own workspace only.
    session = rt.store.get(key) if is_session_key(key) and parse_session_key(key).team_id == rt.scope else None
    if session is not None and questions_ts and session.questions_ts != questions_ts:
        session = None  # these were an earlier round's questions
    if session is None or session.phase not in (Phase.READING, Phase.AWAITING_ANSWERS) or not session.questions:
        first = "q1" if session is None or not session.questions else f"q{session.questions[0].number}"
        return None, {}, {first: NOT_OPEN}
    values = (view.get("state") or {}).get("values") or {}
    answers = blocks.form_answers(values, session.questions)
    if not answers:
        return None, {}, {f"q{session.questions[0].number}": EMPTY}
    return session, answers, {}


def first_submission(rt: Runtime, session: Session, view: dict[str, Any]) -> bool:
    """True the first time this submission (the view and what was typed in it) is seen."""
    values = json.dumps((view.get("state") or {}).get("values") or {}, sort_keys=True)
    digest = hashlib.sha256(values.encode()).hexdigest()[:16]
    if rt.store.claim_trigger(session.team_id, session.channel_id, f"view:{view.get('id')}:{digest}", session.key):
        return True
    log.info("form submission seen before; ignored")
    return False


def post_form_answers(rt: Runtime, session: Session, user_id: str, answers: dict[int, str]) -> Outcome:
    """Post the answers in the thread as one message from the person, and record them as their reply."""
    answers = {number: redact_text(answer) for number, answer in answers.items()}  # never post a secret back
    text = blocks.form_answers_text(user_id, session.questions, answers)
    ts = rt.slack.post(session.channel_id, session.thread_ts, text)
    plain = "\n".join(f"{number}. {answer}" for number, answer in sorted(answers.items()))
    outcome = record_reply(rt, session.key, Reply(ts=ts, user_id=user_id, text=plain, answers=answers))
    if outcome == "ignored":  # the spec started being written between the check and the post
        rt.slack.post_ephemeral(session.channel_id, user_id, LATE, thread_ts=session.thread_ts)
    return outcome
