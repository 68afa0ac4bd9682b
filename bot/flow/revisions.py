"""The next version of a spec in the same thread: "Revise" (a mention, or the button) reads only what was
said since the last version and asks only about new gaps; "Regenerate" rewrites it from the same answers.

The session moves done -> reading (revise) or done -> writing (regenerate) as version n+1, keeping what
the new version needs of the previous one: its Markdown (for the prompt and "what changed") and the
ts of the message that shares it (to unpin it once the new one is pinned).
"""

from __future__ import annotations

from typing import Literal

from bot.flow.admission import admit_start
from bot.flow.status import acknowledge_or_undo, replace_session
from bot.flow.steps import enqueue_step
from bot.flow.trigger import Outcome, Trigger
from bot.store.sessions import Phase, Session, TransitionRefused
from bot.wiring import Runtime

Mode = Literal["revise", "regenerate"]


def next_version(previous: Session, trigger: Trigger, mode: Mode) -> Session:
    """Version n+1 of a done session."""
    fresh = Session(
        team_id=previous.team_id,
        channel_id=previous.channel_id,
        thread_ts=previous.thread_ts,
        version=previous.version + 1,
        requested_by=trigger.user_id,
        trigger_ts=trigger.trigger_ts,
        title=previous.title,
        language=previous.language,
        revising=mode == "revise",
        revision_base_ts=revision_base(previous),
        previous_spec_markdown=previous.spec_markdown,
        previous_share_ts=previous.share_ts,
    )
    if mode == "regenerate":
        # The same thread and the same answers, written again: no new questions.
        fresh.phase = Phase.WRITING
        fresh.questions = previous.questions
        fresh.extra_questions = previous.extra_questions
        fresh.questions_ts = previous.questions_ts
        fresh.write_requested_by = trigger.user_id
    return fresh


def revision_base(previous: Session) -> str | None:
    """Where "what was said since" starts: the previous spec's share, or earlier for a mention kept from
    while it was being written (that mention came before the share, but the spec does not have it)."""
    base = previous.share_ts
    if previous.held_for_next:
        held = f"{min(float(ts) for ts in previous.held_for_next) - 0.000001:.6f}"
        if base is None or float(held) < float(base):
            base = held
    return base


def start_revision(rt: Runtime, trigger: Trigger, mode: Mode) -> Outcome:
    """Start version n+1 of the thread's done spec; 'busy' if the session is not done (a double click)."""
    rt = rt.for_tenant(trigger.team_id)
    previous = rt.store.get(trigger.key)
    if previous is None or previous.phase != Phase.DONE:
        return "busy"  # a double click, or a mention while the next version is under way
    if not admit_start(rt, trigger):
        return "refused"
    try:
        session = rt.store.transition(
            trigger.key, {Phase.DONE}, lambda s: replace_session(s, next_version(s, trigger, mode))
        )
    except TransitionRefused:
        return "busy"
    acknowledge_or_undo(rt, trigger, previous)
    enqueue_step(rt, session, session.instance)
    return "started"
