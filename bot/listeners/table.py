"""Bolt listeners: ack, hand the request to intake, and nothing else. One table, at the bottom."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import redis
from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.errors import SlackApiError

from bot.flow.commands import is_help
from bot.flow.intake import Outcome, Trigger, cancel, handle_trigger, tell
from bot.listeners.payloads import button_trigger, mention_trigger, route_message, shortcut_trigger
from bot.listeners.ui import register_ui
from bot.slack import texts as messages
from bot.slack.gateway import as_access_error
from bot.store.queue import job_id
from bot.wiring import Runtime

log = logging.getLogger(__name__)
STORAGE_DOWN = ":hourglass: I can't reach my storage right now, so I can't start. Please try again in a minute."
UNEXPECTED = ":warning: Something went wrong on my side and I couldn't start. Please try again in a minute."
BUSY_BUTTON = "That's already under way (or finished); there's nothing more to do."


def guarded(rt: Runtime, trigger: Trigger | None, action: Callable[[], Outcome], respond: Respond | None) -> None:
    """Run an intake action; tell the person in plain words when storage or Slack gets in the way."""
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


def enqueue_command(rt: Runtime, body: dict[str, Any]) -> Outcome:
    """Queue a `/techspec <link | words>` for the worker (membership checks and reads happen there)."""
    payload = {k: body.get(k) for k in ("team_id", "channel_id", "user_id", "text", "trigger_id", "response_url")}
    rt.queue.enqueue("bot.flow.jobs.start_from_command", payload, job_id=job_id("command", str(body.get("trigger_id"))))
    return "started"


def register(app: App, rt: Runtime) -> None:
    """Wire every event, command, shortcut and action to its listener."""

    def on_mention(event: dict[str, Any], context: BoltContext) -> None:
        trigger = mention_trigger(event, context.team_id or "", context.bot_user_id or "")
        guarded(rt, trigger, lambda: handle_trigger(rt, trigger), None)

    def on_message(event: dict[str, Any], context: BoltContext) -> None:
        guarded(rt, None, lambda: route_message(rt, event, context.team_id or "", context.bot_user_id), None)

    def on_command(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        if is_help(body.get("text", "")):
            ack(text=messages.HELP_TEXT, response_type="ephemeral")
            return
        ack(text=":eyes: On it: I'll post in the thread.", response_type="ephemeral")
        guarded(rt, None, lambda: enqueue_command(rt, body), respond)

    def on_shortcut(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        trigger = shortcut_trigger(body)
        guarded(rt, trigger, lambda: handle_trigger(rt, trigger), respond)

    def on_generate(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        trigger = button_trigger(body)
        guarded(rt, trigger, lambda: handle_trigger(rt, trigger), respond)

    def on_cancel(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        trigger = button_trigger(body)
        guarded(rt, trigger, lambda: cancel(rt, trigger), respond)

    def ignore(ack: Ack) -> None:
        # Everything else Slack sends gets a 200, so Slack never retries or disables the subscription.
        ack()

    app.event("app_mention")(on_mention)
    app.event("message")(on_message)
    app.command("/techspec")(on_command)
    app.shortcut("techspec")(on_shortcut)
    app.action(messages.GENERATE_ACTION)(on_generate)
    app.action(messages.CANCEL_ACTION)(on_cancel)
    register_ui(app, rt, guarded)  # the form, Revise/Regenerate, the App Home (before the catch-alls)
    app.event(re.compile(".*"))(ignore)
    app.action(re.compile(".*"))(ignore)
