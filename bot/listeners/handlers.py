"""The listeners: each acks, turns Slack's payload into a flow call, and hands it over under the guard.

Each factory takes the process's Runtime and returns the function Bolt calls; Bolt fills the
function's arguments by their names (event, body, ack, respond, context, view).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.flow import commands, forget, forms, home, intake, replies, workspace_admin
from bot.flow.trigger import Outcome
from bot.listeners.guard import guarded
from bot.listeners.payloads import button_trigger, mention_trigger, shortcut_trigger, thread_change
from bot.slack import texts
from bot.wiring import Runtime

log = logging.getLogger(__name__)
Listener = Callable[..., None]
SETTINGS_FAILED = "Something went wrong on my side and nothing was saved. Please try again in a minute."
ON_IT = ":eyes: On it: I'll post in the thread."
FORGETTING = ":wastebasket: Forgetting that thread; I'll confirm here in a moment."


def on_mention(rt: Runtime) -> Listener:
    """@techspec in a thread: start, go ahead, resume or revise."""

    def listener(event: dict[str, Any], context: BoltContext) -> None:
        trigger = mention_trigger(event, context.team_id or "", context.bot_user_id or "")
        guarded(rt, trigger, lambda: intake.handle_trigger(rt, trigger), None)

    return listener


def on_message(rt: Runtime) -> Listener:
    """Any message: a reply, an edit or a deletion in a session's thread is recorded; the rest ignored."""

    def listener(event: dict[str, Any], context: BoltContext) -> None:
        change = thread_change(event, context.team_id or "", context.bot_user_id)
        if change is not None:
            guarded(rt, None, lambda: replies.handle_message(rt, change), None)

    return listener


def on_command(rt: Runtime) -> Listener:
    """`/techspec`: help at once; a link or words are queued for the worker."""

    def listener(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        if commands.is_help(body.get("text", "")):
            ack(text=texts.HELP_TEXT, response_type="ephemeral")
            return
        if forget.is_forget(body.get("text", "")):
            # Not queued: a job would store the very ids being deleted. Confirmed through response_url.
            ack(text=FORGETTING, response_type="ephemeral")
            guarded(rt, None, lambda: forget.forget_command(rt, body), respond)
            return
        refused = commands.refusal(rt, body)  # a full queue or a spent budget: said at once, nothing queued
        ack(text=refused or ON_IT, response_type="ephemeral")
        if refused is None:
            guarded(rt, None, lambda: commands.enqueue_command(rt, body), respond)

    return listener


def on_shortcut(rt: Runtime) -> Listener:
    """The message shortcut: that message's thread."""

    def listener(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        trigger = shortcut_trigger(body)
        guarded(rt, trigger, lambda: intake.handle_trigger(rt, trigger), respond)

    return listener


def on_button(rt: Runtime, action: Callable[..., Any], *args: Any) -> Listener:
    """A button on the bot's questions or summary: action(rt, trigger, *args) for its thread."""

    def listener(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        trigger = button_trigger(body)
        # A click delivered (or replayed) again has no effect at all: not even a "busy" note.
        guarded(
            rt,
            trigger,
            lambda: action(rt, trigger, *args) if intake.first_delivery(rt, trigger) else "duplicate",
            respond,
        )

    return listener


def on_form_button(rt: Runtime) -> Listener:
    """ "Answer in a form": open the modal right away (the click's trigger_id expires after 3 s)."""

    def listener(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        trigger = button_trigger(body)
        trigger_id = str(body.get("trigger_id"))

        def open_form() -> Outcome:
            return (
                forms.open_answers_form(rt, trigger, trigger_id) if intake.first_delivery(rt, trigger) else "duplicate"
            )

        guarded(rt, trigger, open_form, respond)

    return listener


def on_form_submit(rt: Runtime) -> Listener:
    """The form's submission: errors shown in the form, or the answers posted as one thread message."""

    def listener(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        session, answers, errors = forms.check_submission(rt, view)
        if session is None:
            ack(response_action="errors", errors=errors)
            return
        ack()
        user_id = str(body["user"]["id"])

        def post() -> Outcome:
            # The same submission delivered again: its answers are posted once.
            return (
                forms.post_form_answers(rt, session, user_id, answers)
                if forms.first_submission(rt, session, view)
                else "duplicate"
            )

        guarded(rt, None, post, None)

    return listener


def on_home_opened(rt: Runtime) -> Listener:
    """The App Home tab was opened: publish it for that person."""

    def listener(event: dict[str, Any], context: BoltContext) -> None:
        if event.get("tab", "home") == "home":
            user_id = str(event.get("user", ""))
            guarded(rt, None, lambda: home.publish_home(rt, context.team_id or "", user_id), None)

    return listener


def on_settings_button(rt: Runtime) -> Listener:
    """ "Change settings" on an admin's Home tab: open the modal at once (the trigger_id lasts 3 s)."""

    def listener(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        tenant = rt.for_tenant(context.team_id or "")
        user_id, trigger_id = str(body["user"]["id"]), str(body.get("trigger_id"))
        guarded(tenant, None, lambda: workspace_admin.open_settings(tenant, user_id, trigger_id), None)

    return listener


def on_settings_submit(rt: Runtime) -> Listener:
    """The settings modal's submission: checked (admin, values, template, endpoint) before the ack, so
    problems show next to their fields; saved, and the admin's Home tab redrawn, after it."""

    def listener(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        tenant = rt.for_tenant(context.team_id or "")
        user_id = str(body["user"]["id"])
        try:
            chosen, errors = workspace_admin.check_submission(tenant, user_id, view)
        except Exception:  # noqa: BLE001 - the modal must always get an answer, or Slack shows its own error
            log.exception("workspace settings could not be checked")
            chosen, errors = None, {"model": SETTINGS_FAILED}
        if chosen is None:
            ack(response_action="errors", errors=errors)
            return
        ack()

        def save() -> Outcome:
            workspace_admin.save_settings(tenant, user_id, chosen)
            return home.publish_home(tenant, tenant.scope, user_id)

        guarded(tenant, None, save, None)

    return listener


def on_workspace_gone(rt: Runtime) -> Listener:
    """`app_uninstalled` or `tokens_revoked`: forget the whole workspace (INTERFACE.md: either means the
    workspace's data goes, even when only people's tokens were revoked)."""

    def listener(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        team_id = context.team_id or str(body.get("team_id") or "")
        guarded(rt, None, lambda: forget.forget_workspace(rt, team_id), None)

    return listener


def on_channel_gone(rt: Runtime) -> Listener:
    """`channel_deleted` / `group_deleted`: forget everything about that channel."""

    def listener(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        team_id = context.team_id or str(body.get("team_id") or "")
        channel = event.get("channel")
        channel_id = str(channel.get("id") if isinstance(channel, dict) else channel or "")
        guarded(rt, None, lambda: forget.forget_channel(rt, team_id, channel_id), None)

    return listener


def just_ack(ack: Ack) -> None:
    """Everything else Slack sends gets a 200, so Slack never retries or disables the subscription."""
    ack()
