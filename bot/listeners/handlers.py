"""The listeners: each acks, turns Slack's payload into a flow call, and hands it over under the guard.

Each factory takes the process's Runtime and returns the function Bolt calls; Bolt fills the
function's arguments by their names (event, body, ack, respond, context, view).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.flow import commands, forget, forms, home, intake, replies
from bot.flow.members import outsider_refusal
from bot.flow.status import tell
from bot.flow.trigger import Outcome
from bot.listeners.connect import asker_of, members_only
from bot.listeners.guard import guarded
from bot.listeners.payloads import button_trigger, mention_trigger, revoked_scopes, shortcut_trigger, thread_change
from bot.listeners.tenants import as_workspace, scope_of, tenant_of
from bot.slack import texts
from bot.wiring import Runtime

log = logging.getLogger(__name__)
Listener = Callable[..., None]
ON_IT = ":eyes: On it: I'll post in the thread."
UNAVAILABLE = (
    ":warning: I can't work in this workspace right now. If techspec was removed, a workspace admin can add it "
    "again; otherwise please try again in a minute."
)
FORGETTING = ":wastebasket: Forgetting that thread; I'll confirm here in a moment."


def on_mention(rt: Runtime) -> Listener:
    """@techspec in a thread: start, go ahead, resume or revise."""

    def listener(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        # The bot's user id is this installation's (Bolt's context), never one process-wide auth.test.
        trigger = mention_trigger(event, scope_of(context), context.bot_user_id or "")
        if (wrt := as_workspace(rt, context)) is not None:
            asker = asker_of(body, context, trigger.user_id)
            run = members_only(
                wrt, asker, lambda: intake.handle_trigger(wrt, trigger), lambda text: tell(wrt, trigger, text)
            )
            guarded(wrt, trigger, run, None)

    return listener


def on_message(rt: Runtime) -> Listener:
    """Any message: a reply, an edit or a deletion in a session's thread is recorded; the rest ignored."""

    def listener(event: dict[str, Any], context: BoltContext) -> None:
        change = thread_change(event, scope_of(context), context.bot_user_id)
        if change is not None and (wrt := as_workspace(rt, context)) is not None:
            guarded(wrt, None, lambda: replies.handle_message(wrt, change), None)

    return listener


def on_command(base: Runtime) -> Listener:
    """`/techspec`: help at once; a link or words are queued for the worker."""

    def listener(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        asker = asker_of(body, context, str(body.get("user_id") or ""))
        body = {**body, "team_id": scope_of(context)}  # the flow keys everything by the tenant scope
        if (rt := as_workspace(base, context)) is None:
            ack(text=UNAVAILABLE, response_type="ephemeral")
            return
        if commands.is_help(body.get("text", "")):
            ack(text=texts.HELP_TEXT, response_type="ephemeral")
            return
        # Slack doesn't share an app's command with another organisation's members; checked all the same
        # (from the payload's fields: no Slack call before the ack), forget included.
        outsider = outsider_refusal(rt, asker)
        if outsider is not None:
            ack(text=outsider, response_type="ephemeral")
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

    def listener(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        ack()
        trigger = shortcut_trigger(body, scope_of(context))
        if (wrt := as_workspace(rt, context)) is not None:
            asker = asker_of(body, context, trigger.user_id)
            guarded(
                wrt,
                trigger,
                members_only(wrt, asker, lambda: intake.handle_trigger(wrt, trigger), _say(respond)),
                respond,
            )

    return listener


def on_button(base: Runtime, action: Callable[..., Any], *args: Any) -> Listener:
    """A button on the bot's questions or summary: action(rt, trigger, *args) for its thread."""

    def listener(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        ack()
        trigger = button_trigger(body, scope_of(context))
        if (rt := as_workspace(base, context)) is None:
            return

        def press() -> Outcome:
            # A click delivered (or replayed) again has no effect at all: not even a "busy" note.
            return action(rt, trigger, *args) if intake.first_delivery(rt, trigger) else "duplicate"

        guarded(rt, trigger, members_only(rt, asker_of(body, context, trigger.user_id), press, _say(respond)), respond)

    return listener


def on_form_button(base: Runtime) -> Listener:
    """ "Answer in a form": open the modal right away (the click's trigger_id expires after 3 s)."""

    def listener(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        ack()
        trigger = button_trigger(body, scope_of(context))
        if (rt := as_workspace(base, context)) is None:
            return
        trigger_id = str(body.get("trigger_id"))

        def open_form() -> Outcome:
            return (
                forms.open_answers_form(rt, trigger, trigger_id) if intake.first_delivery(rt, trigger) else "duplicate"
            )

        guarded(
            rt, trigger, members_only(rt, asker_of(body, context, trigger.user_id), open_form, _say(respond)), respond
        )

    return listener


def on_form_submit(base: Runtime) -> Listener:
    """The form's submission: errors shown in the form, or the answers posted as one thread message."""

    def listener(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        if (rt := as_workspace(base, context)) is None:
            ack()
            return
        session, answers, errors = forms.check_submission(rt, view)
        if session is None:
            ack(response_action="errors", errors=errors)
            return
        ack()
        user_id = str(body["user"]["id"])

        def refuse(text: str) -> None:
            rt.slack.post_ephemeral(session.channel_id, user_id, text, thread_ts=session.thread_ts)

        def post() -> Outcome:
            # The same submission delivered again: its answers are posted once.
            return (
                forms.post_form_answers(rt, session, user_id, answers)
                if forms.first_submission(rt, session, view)
                else "duplicate"
            )

        guarded(rt, None, members_only(rt, asker_of(body, context, user_id), post, refuse), None)

    return listener


def on_home_opened(rt: Runtime) -> Listener:
    """The App Home tab was opened: publish it for that person."""

    def listener(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        if event.get("tab", "home") == "home":
            user_id = str(event.get("user", ""))
            if (wrt := as_workspace(rt, context)) is not None:
                # Someone of another organisation (reaching the bot through a shared channel) gets no Home tab:
                # it shows the workspace's usage to its admins, and users.info may call them admin of theirs.
                publish = members_only(
                    wrt,
                    asker_of(body, context, user_id),
                    lambda: home.publish_home(wrt, user_id),
                    lambda _: log.info("no Home tab for someone outside the installation's organisation"),
                )
                guarded(wrt, None, publish, None)

    return listener


def on_workspace_gone(rt: Runtime) -> Listener:
    """`app_uninstalled` or `tokens_revoked`: delete the installation and forget the workspace (every
    workspace of the org for an org-wide install). In OAuth mode a tokens_revoked naming only people's
    tokens deletes only their installations: the bot still works there."""

    def listener(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        tenant = tenant_of(context)
        users = forget.revoked_users_only(event) if rt.installations is not None else None
        if users is not None:
            guarded(rt, None, lambda: forget.forget_user_tokens(rt, tenant, users), None)
        else:
            guarded(rt, None, lambda: forget.uninstall(rt, tenant), None)

    return listener


def on_channel_gone(rt: Runtime) -> Listener:
    """`channel_deleted` / `group_deleted`: forget everything about that channel."""

    def listener(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        team_id = scope_of(context)
        channel = event.get("channel")
        channel_id = str(channel.get("id") if isinstance(channel, dict) else channel or "")
        guarded(rt, None, lambda: forget.forget_channel(rt, team_id, channel_id), None)

    return listener


def on_team_access_revoked(rt: Runtime) -> Listener:
    """`team_access_revoked`: an org admin took workspaces out of the org-wide install; forget each one's data
    (the org's installation stays: its other workspaces still use it)."""

    def listener(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        for scope in revoked_scopes(event, body, context.enterprise_id):
            guarded(rt, None, partial(forget.forget_workspace_data, rt, scope), None)

    return listener


def on_team_access_granted(event: dict[str, Any]) -> None:
    """`team_access_granted`: workspaces joined the org-wide install; nothing to store until they use it."""
    log.info("org-wide install reaches more workspaces", extra={"workspaces": len(event.get("team_ids") or [])})


def _say(respond: Respond) -> Callable[[str], None]:
    """Tell the person privately through the request's response_url."""

    def say(text: str) -> None:
        respond(text=text, response_type="ephemeral", replace_original=False)

    return say


def just_ack(ack: Ack) -> None:
    """Everything else Slack sends gets a 200, so Slack never retries or disables the subscription."""
    ack()
