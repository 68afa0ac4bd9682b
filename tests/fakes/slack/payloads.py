"""Builders for what Slack sends to the bot: Events API envelopes and interactivity payloads."""

from __future__ import annotations

import time
from typing import Any

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


def envelope(ws: Workspace, event: dict[str, Any]) -> dict[str, Any]:
    """Wrap an event in an `event_callback` envelope with a fresh event_id."""
    ident = ws.ident
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": ident.team_id,
        "context_team_id": ident.team_id,
        "api_app_id": ident.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": ws.ids.next("Ev"),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ident.team_id,
                "user_id": ident.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def message_event(chan: Channel, msg: dict[str, Any]) -> dict[str, Any]:
    """A `message` event for a newly stored message (human or bot)."""
    event = {k: v for k, v in msg.items() if k not in _SUMMARY_KEYS}
    event.update(channel=chan.id, event_ts=msg["ts"], channel_type=chan.channel_type)
    return event


def mention_event(chan: Channel, msg: dict[str, Any]) -> dict[str, Any]:
    """The `app_mention` event Slack sends alongside the `message` event when the bot is @-mentioned."""
    keys = ("user", "text", "ts", "team", "client_msg_id", "thread_ts", "files", "blocks", "parent_user_id")
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
    name = ws.users.get(user, {}).get("name", user)
    return {"id": user, "username": name, "name": name, "team_id": ws.ident.team_id}


def team_ref(ws: Workspace) -> dict[str, Any]:
    """The `team` object of interactivity payloads."""
    return {"id": ws.ident.team_id, "domain": ws.ident.team_domain}


def channel_name(chan: Channel) -> str:
    """The channel name Slack reports (DMs are "directmessage")."""
    return "directmessage" if chan.is_im else chan.name


def slash_command(
    ws: Workspace, user: str, chan: Channel, command: str, text: str, response_url: str, trigger_id: str
) -> dict[str, str]:
    """The form fields of a slash-command request, in Slack's order."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.ident.team_id,
        "team_domain": ws.ident.team_domain,
        "channel_id": chan.id,
        "channel_name": channel_name(chan),
        "user_id": user,
        "user_name": ws.users.get(user, {}).get("name", user),
        "command": command,
        "text": text,
        "api_app_id": ws.ident.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def message_action(
    ws: Workspace, user: str, chan: Channel, msg: dict[str, Any], callback_id: str, response_url: str, trigger_id: str
) -> dict[str, Any]:
    """A message shortcut (`message_action`) payload; `message` is the full stored message."""
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": ws.clock.next(),
        "team": team_ref(ws),
        "user": {"id": user, "name": user_ref(ws, user)["name"]},
        "channel": {"id": chan.id, "name": channel_name(chan)},
        "is_enterprise_install": False,
        "enterprise": None,
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
    return {
        "type": "block_actions",
        "user": user_ref(ws, user),
        "api_app_id": ws.ident.app_id,
        "token": VERIFICATION_TOKEN,
        "container": {"type": "message", "message_ts": msg["ts"], "channel_id": chan.id, "is_ephemeral": False},
        "trigger_id": trigger_id,
        "team": team_ref(ws),
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": chan.id, "name": channel_name(chan)},
        "message": msg,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }


def view_submission(ws: Workspace, user: str, view: dict[str, Any], trigger_id: str) -> dict[str, Any]:
    """A `view_submission` payload for a modal the user submits."""
    return {
        "type": "view_submission",
        "team": team_ref(ws),
        "user": user_ref(ws, user),
        "api_app_id": ws.ident.app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
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
