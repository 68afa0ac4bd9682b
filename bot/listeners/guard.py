"""Every listener's one safety net: whatever goes wrong after the ack, the person hears it in plain words."""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from slack_bolt import Respond
from slack_sdk.errors import SlackApiError

from bot.flow.status import tell
from bot.flow.trigger import Outcome, Trigger
from bot.slack.failures import as_access_error
from bot.wiring import Runtime

log = logging.getLogger(__name__)
STORAGE_DOWN = ":hourglass: I can't reach my storage right now, so I can't start. Please try again in a minute."
UNEXPECTED = ":warning: Something went wrong on my side and I couldn't start. Please try again in a minute."
BUSY_BUTTON = "That's already under way (or finished); there's nothing more to do."


def guarded(rt: Runtime, trigger: Trigger | None, action: Callable[[], Outcome], respond: Respond | None) -> None:
    """Run a flow action; tell the person in plain words when storage or Slack gets in the way."""
    try:
        outcome = action()
        if outcome == "busy" and trigger is not None and trigger.source == "button":
            _tell(rt, trigger, respond, BUSY_BUTTON)
    except redis.RedisError:
        log.exception("storage unavailable while handling a request")
        _tell(rt, trigger, respond, STORAGE_DOWN)
    except SlackApiError as exc:
        log.warning("slack refused a call while handling a request", extra={"error": str(exc)[:200]})
        _tell(rt, trigger, respond, as_access_error(exc).user_message)
    except Exception:  # noqa: BLE001 - a listener must never crash the process or go silent
        log.exception("unexpected error while handling a request")
        _tell(rt, trigger, respond, UNEXPECTED)


def _tell(rt: Runtime, trigger: Trigger | None, respond: Respond | None, text: str) -> None:
    try:
        if respond is not None:
            respond(text=text, response_type="ephemeral", replace_original=False)
        elif trigger is not None:
            tell(rt, trigger, text)
    except Exception:  # noqa: BLE001 - last resort: the error is logged, nothing else can be done
        log.exception("could not tell the person what went wrong")
