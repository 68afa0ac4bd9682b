"""The one registration table: every event, command, shortcut, action and view the bot listens to."""

from __future__ import annotations

import re

from slack_bolt import App

from bot.flow import intake, revisions
from bot.listeners import admin
from bot.listeners import handlers as on
from bot.listeners.tenants import remember_payload
from bot.slack import blocks, settings_view, texts
from bot.wiring import Runtime


def register(app: App, rt: Runtime) -> None:
    """Wire every Slack request the bot handles to its listener (the catch-alls last)."""
    app.use(remember_payload)  # before every listener: which workspace of an org-wide install a request is in
    app.event("app_mention")(on.on_mention(rt))
    app.event("message")(on.on_message(rt))
    app.event("app_home_opened")(on.on_home_opened(rt))
    app.event("app_uninstalled")(on.on_workspace_gone(rt))
    app.event("tokens_revoked")(on.on_workspace_gone(rt))
    app.event("channel_deleted")(on.on_channel_gone(rt))
    app.event("group_deleted")(on.on_channel_gone(rt))
    # Org-wide installs (manifest.org.yaml): the org admin adds or removes workspaces.
    app.event("team_access_granted")(on.on_team_access_granted)
    app.event("team_access_revoked")(on.on_team_access_revoked(rt))
    app.command("/techspec")(on.on_command(rt))
    app.shortcut("techspec")(on.on_shortcut(rt))
    app.action(texts.GENERATE_ACTION)(on.on_button(rt, intake.handle_trigger))
    app.action(texts.CANCEL_ACTION)(on.on_button(rt, intake.cancel))
    app.action(texts.REVISE_ACTION)(on.on_button(rt, revisions.start_revision, "revise"))
    app.action(texts.REGENERATE_ACTION)(on.on_button(rt, revisions.start_revision, "regenerate"))
    app.action(texts.FORM_ACTION)(on.on_form_button(rt))
    app.view(blocks.FORM_CALLBACK)(on.on_form_submit(rt))
    app.action(settings_view.OPEN_SETTINGS_ACTION)(admin.on_settings_button(rt))
    app.view(settings_view.SETTINGS_CALLBACK)(admin.on_settings_submit(rt))
    app.event(re.compile(".*"))(on.just_ack)
    app.action(re.compile(".*"))(on.just_ack)
