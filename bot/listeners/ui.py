"""Listeners for the Slack-native parts: the answers form, Revise / Regenerate, and the App Home tab."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.flow.forms import check_submission, open_answers_form, post_form_answers
from bot.flow.home import publish_home
from bot.flow.intake import Outcome, Trigger
from bot.flow.revisions import start_revision
from bot.listeners.payloads import button_trigger
from bot.slack import texts as messages
from bot.slack.blocks import FORM_CALLBACK
from bot.wiring import Runtime

log = logging.getLogger(__name__)
Guard = Callable[[Runtime, Trigger | None, Callable[[], Outcome], Respond | None], None]


def register_ui(app: App, rt: Runtime, guarded: Guard) -> None:
    """Wire the form button and submission, the result buttons and app_home_opened."""

    def on_form(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        # views.open right away: the trigger_id expires 3 s after the click.
        trigger = button_trigger(body)
        guarded(rt, trigger, lambda: open_answers_form(rt, trigger, str(body.get("trigger_id"))), respond)

    def on_form_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        session, answers, errors = check_submission(rt, view)
        if session is None:
            ack(response_action="errors", errors=errors)
            return
        ack()
        user_id = str(body["user"]["id"])
        guarded(rt, None, lambda: post_form_answers(rt, session, user_id, answers), None)

    def on_revise(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        trigger = button_trigger(body)
        guarded(rt, trigger, lambda: start_revision(rt, trigger, "revise"), respond)

    def on_regenerate(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        trigger = button_trigger(body)
        guarded(rt, trigger, lambda: start_revision(rt, trigger, "regenerate"), respond)

    def on_home(event: dict[str, Any], context: BoltContext) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = str(event.get("user", ""))
        guarded(rt, None, lambda: publish_home(rt, context.team_id or "", user_id), None)

    app.action(messages.FORM_ACTION)(on_form)
    app.view(FORM_CALLBACK)(on_form_submit)
    app.action(messages.REVISE_ACTION)(on_revise)
    app.action(messages.REGENERATE_ACTION)(on_regenerate)
    app.event("app_home_opened")(on_home)
