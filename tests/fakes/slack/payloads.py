"""Builders for what Slack sends to the bot: Events API envelopes and interactivity payloads."""

from __future__ import annotations

import time
from typing import Any

from .accounts import Installation
from .store import Channel
from .workspace import Workspace

# The deprecated verification token Slack still puts in every payload; Bolt ignores it.
VERIFICATION_TOKEN = "legacy-verification-token"
# Thread summary fields live on stored roots but are not part of a new-message event.
_SUMMARY_KEYS = (
    "reply_count",
    "reply_users",
    "reply_users_count",
    "latest_reply",
    "reactions",
    "pinned_to",
    "pinned_info",
)


def envelope(ws: Workspace, event: dict[str, Any], inst: Installation | None = None) -> dict[str, Any]:
    """Wrap an event in an `event_callback` envelope with a fresh event_id, for the install reaching `ws`."""
    ident = ws.ident
    inst = inst or ws.installation
    auth = inst.authorization(ident.team_id) if inst else _no_install(ws)
    chan = ws.channels.get(str(event.get("channel") or ""))
    body: dict[str, Any] = {
        "token": VERIFICATION_TOKEN,
        "team_id": ident.team_id,
        "context_team_id": ident.team_id,
        "context_enterprise_id": ident.enterprise_id,
        "api_app_id": ident.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": ws.ids.next("Ev"),
        "event_time": int(time.time()),
        "authorizations": [auth],
        "is_ext_shared_channel": bool(chan and chan.ext_shared),
    }
    if ident.enterprise_id:
        body["enterprise_id"] = ident.enterprise_id
    return body


def _no_install(ws: Workspace) -> dict[str, Any]:
    ident = ws.ident
    return {
        "enterprise_id": ident.enterprise_id,
        "team_id": ident.team_id,
        "user_id": ident.bot_user_id,
        "is_bot": True,
        "is_enterprise_install": False,
    }


def org_envelope(inst: Installation, app_id: str, event_id: str, event: dict[str, Any]) -> dict[str, Any]:
    """An envelope for an org-level event of an org-wide install (no workspace: team_id is the org)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": inst.enterprise_id,
        "enterprise_id": inst.enterprise_id,
        "context_team_id": None,
        "context_enterprise_id": inst.enterprise_id,
        "api_app_id": app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [{**inst.authorization(""), "team_id": None}],
        "is_ext_shared_channel": False,
    }


def org_fields(ws: Workspace) -> tuple[dict[str, str] | None, bool]:
    """The `enterprise` object ({id, name} on Grid, else None) and whether an org-wide install serves `ws`."""
    ident = ws.ident
    enterprise = {"id": ident.enterprise_id, "name": ident.enterprise_name or ""} if ident.enterprise_id else None
    return enterprise, bool(ws.installation and ws.installation.is_enterprise_install)


def message_event(chan: Channel, msg: dict[str, Any]) -> dict[str, Any]:
    """A `message` event for a newly stored message (human or bot)."""
    event = {k: v for k, v in msg.items() if k not in _SUMMARY_KEYS}
    event.update(channel=chan.id, event_ts=msg["ts"], channel_type=chan.channel_type)
    return event


def mention_event(chan: Channel, msg: dict[str, Any]) -> dict[str, Any]:
    """The `app_mention` event Slack sends alongside the `message` event when the bot is @-mentioned."""
    keys = ("user", "text", "ts", "team", "user_team", "source_team", "client_msg_id", "thread_ts", "files")
    keys += ("blocks", "parent_user_id")
    event = {"type": "app_mention", **{k: msg[k] for k in keys if k in msg}}
    event.update(channel=chan.id, event_ts=msg["ts"])
    return event


def changed_event(ws: Workspace, chan: Channel, new: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    """A hidden `message_changed` event (edits)."""
    ts = ws.clock.next()
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "message": new,
        "previous_message": old,
        "channel": chan.id,
        "ts": ts,
        "event_ts": ts,
        "channel_type": chan.channel_type,
    }


def deleted_event(ws: Workspace, chan: Channel, old: dict[str, Any]) -> dict[str, Any]:
    """A hidden `message_deleted` event."""
    ts = ws.clock.next()
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "deleted_ts": old["ts"],
        "previous_message": old,
        "channel": chan.id,
        "ts": ts,
        "event_ts": ts,
        "channel_type": chan.channel_type,
    }


def home_opened_event(ws: Workspace, user: str, dm_channel: str) -> dict[str, Any]:
    """An `app_home_opened` event for the Home tab, carrying the published view if there is one."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": dm_channel,
        "tab": "home",
        "event_ts": ws.clock.next(),
    }
    if user in ws.home_views:
        event["view"] = ws.home_views[user]
    return event


def user_ref(ws: Workspace, user: str) -> dict[str, Any]:
    """The `user` object of interactivity payloads."""
    record = ws.users.get(user) or ws.directory(user) or {}
    name = record.get("name", user)
    return {"id": user, "username": name, "name": name, "team_id": record.get("team_id", ws.ident.team_id)}


def team_ref(ws: Workspace) -> dict[str, Any]:
    """The `team` object of interactivity payloads (Grid adds the org)."""
    team: dict[str, Any] = {"id": ws.ident.team_id, "domain": ws.ident.team_domain}
    if ws.ident.enterprise_id:
        team.update(enterprise_id=ws.ident.enterprise_id, enterprise_name=ws.ident.enterprise_name)
    return team


def channel_name(chan: Channel) -> str:
    """The channel name Slack reports (DMs are "directmessage")."""
    return "directmessage" if chan.is_im else chan.name


def slash_command(
    ws: Workspace, user: str, chan: Channel, command: str, text: str, response_url: str, trigger_id: str
) -> dict[str, str]:
    """The form fields of a slash-command request, in Slack's order (Grid adds enterprise_id/name)."""
    enterprise, org_install = org_fields(ws)
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.ident.team_id,
        "team_domain": ws.ident.team_domain,
        "channel_id": chan.id,
        "channel_name": channel_name(chan),
        "user_id": user,
        "user_name": user_ref(ws, user)["name"],
        "command": command,
        "text": text,
        "api_app_id": ws.ident.app_id,
        "is_enterprise_install": "true" if org_install else "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    if enterprise:
        fields.update(enterprise_id=enterprise["id"], enterprise_name=enterprise["name"])
    return fields


def message_action(
    ws: Workspace, user: str, chan: Channel, msg: dict[str, Any], callback_id: str, response_url: str, trigger_id: str
) -> dict[str, Any]:
    """A message shortcut (`message_action`) payload; `message` is the full stored message."""
    enterprise, org_install = org_fields(ws)
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": ws.clock.next(),
        "team": team_ref(ws),
        "user": {k: v for k, v in user_ref(ws, user).items() if k != "username"},
        "channel": {"id": chan.id, "name": channel_name(chan)},
        "is_enterprise_install": org_install,
        "enterprise": enterprise,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "response_url": response_url,
        "message_ts": msg["ts"],
        "message": msg,
    }


def block_actions(
    ws: Workspace,
    user: str,
    chan: Channel,
    msg: dict[str, Any],
    action: dict[str, Any],
    response_url: str,
    trigger_id: str,
) -> dict[str, Any]:
    """A `block_actions` payload for a button click on a channel message."""
    enterprise, org_install = org_fields(ws)
    return {
        "type": "block_actions",
        "user": user_ref(ws, user),
        "api_app_id": ws.ident.app_id,
        "token": VERIFICATION_TOKEN,
        "container": {"type": "message", "message_ts": msg["ts"], "channel_id": chan.id, "is_ephemeral": False},
        "trigger_id": trigger_id,
        "team": team_ref(ws),
        "enterprise": enterprise,
        "is_enterprise_install": org_install,
        "channel": {"id": chan.id, "name": channel_name(chan)},
        "message": msg,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }


def view_submission(ws: Workspace, user: str, view: dict[str, Any], trigger_id: str) -> dict[str, Any]:
    """A `view_submission` payload for a modal the user submits."""
    enterprise, org_install = org_fields(ws)
    return {
        "type": "view_submission",
        "team": team_ref(ws),
        "user": user_ref(ws, user),
        "api_app_id": ws.ident.app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "is_enterprise_install": org_install,
        "enterprise": enterprise,
    }


def home_block_actions(
    ws: Workspace, user: str, view: dict[str, Any], action: dict[str, Any], trigger_id: str
) -> dict[str, Any]:
    """A `block_actions` payload for a button on the person's Home tab (a view container, no channel)."""
    return {
        "type": "block_actions",
        "user": user_ref(ws, user),
        "api_app_id": ws.ident.app_id,
        "token": VERIFICATION_TOKEN,
        "container": {"type": "view", "view_id": view.get("id", "")},
        "trigger_id": trigger_id,
        "team": team_ref(ws),
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
        "actions": [action],
    }
