"""Attribute free-form replies on the worker: cached per reply text, one model request per batch."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.errors import TechspecError
from bot.spec.answers import AnswerSheet, match_answers, needs_attribution
from bot.spec.attribution import Attribution, attribute, attribution_key
from bot.spec.records import Reply
from bot.store.sessions import Session
from bot.wiring import Runtime

log = logging.getLogger(__name__)
# A flood of replies must not become a flood of model requests: past this many free-form replies in a
# session, the rest are kept as general answers (in the spec, under "Other input after the questions").
MAX_ATTRIBUTED = 100


def attributions_for(
    rt: Runtime, session: Session, replies: Sequence[Reply], *, ask: bool = True
) -> dict[str, Attribution]:
    """The attributions of the free-form replies: cached ones, plus (when ask) one request for the rest.

    Without a model answer (error, timeout) the rest stay unattributed, so they count as general
    answers: nothing is lost, and the next recount or the write step asks again.
    """
    free_form = [r for r in replies if needs_attribution(session.questions, r)][:MAX_ATTRIBUTED]
    wanted = {attribution_key(r): r for r in free_form}
    found = rt.store.attributions(session.key, wanted)
    missing = [reply for k, reply in wanted.items() if k not in found]
    if not missing or not ask:
        return found
    try:
        fresh = attribute(session.questions, missing, rt.attribution_llm)
    except TechspecError as exc:
        log.warning("attribution failed; replies kept as general answers", extra={"error_type": type(exc).__name__})
        return found
    log.info("replies attributed", extra={"session": session.key, "replies": len(missing)})
    rt.store.save_attributions(session.key, fresh)
    return found | fresh


def answer_sheet(rt: Runtime, session: Session, replies: Sequence[Reply], *, ask: bool = True) -> AnswerSheet:
    """The session's answers: numbered, "ok" and form answers, and free-form replies as attributed."""
    return match_answers(session.questions, replies, attributions_for(rt, session, replies, ask=ask))
