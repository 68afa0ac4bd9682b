"""What the bot shows about a session while it works: the :eyes: reaction, the one status line it keeps
updating, and private notes to the person who asked."""

from __future__ import annotations

import logging

from bot.flow.trigger import Trigger
from bot.slack import texts
from bot.store.sessions import Session
from bot.wiring import Runtime

log = logging.getLogger(__name__)


def set_status(rt: Runtime, session: Session, text: str) -> None:
    """Update the session's one status message in place (posting it if there is none yet)."""
    if session.status_ts:
        rt.slack.update(session.channel_id, session.status_ts, text)
        return
    ts = rt.slack.post(session.channel_id, session.thread_ts, text)
    rt.store.update(session.key, lambda s: setattr(s, "status_ts", ts))


def tell(rt: Runtime, trigger: Trigger, text: str) -> None:
    """Say something only the person who triggered will see, in the thread."""
    rt.slack.post_ephemeral(trigger.channel_id, trigger.user_id, text, thread_ts=trigger.thread_ts)


def acknowledge(rt: Runtime, trigger: Trigger, expired: bool = False) -> None:
    """Show at once that the bot is on it: :eyes: on the triggering message and a status line."""
    rt.slack.react(trigger.channel_id, trigger.trigger_ts, "eyes")
    text = texts.status_reading()
    if expired:
        text = texts.expired_restart() + "\n" + text
    status_ts = rt.slack.post(trigger.channel_id, trigger.thread_ts, text)
    rt.store.update(trigger.key, lambda s: setattr(s, "status_ts", status_ts))


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
                rt.store.update(trigger.key, lambda s: replace_session(s, previous))
            rt.store.release_trigger(trigger.team_id, trigger.channel_id, trigger.claim_id)
            rt.admission.release(trigger.key, trigger.user_id)
        except Exception:  # noqa: BLE001 - the original error is the one to report
            log.exception("could not undo a session start")
        raise


def replace_session(session: Session, fresh: Session) -> None:
    """Overwrite every field of session with fresh's (inside a transition)."""
    for name in Session.model_fields:
        setattr(session, name, getattr(fresh, name))
