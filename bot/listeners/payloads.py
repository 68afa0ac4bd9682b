"""Slack's JSON -> what the flow takes: a Trigger for a request, a ThreadReply / DeletedReply for a message,
the tenant a payload is for, and the organisation of the person who sent it.

Pure parsing: nothing here calls Slack or touches storage.
"""

from __future__ import annotations

import re
from typing import Any

from bot.flow.trigger import DeletedReply, ThreadReply, Trigger
from bot.spec.answers import strip_bot_mention
from bot.spec.orgs import Affiliation, Home
from bot.spec.records import Reply
from bot.spec.tenancy import TenantRef

# Message subtypes that are people talking in the thread; everything else (joins, bot posts,
# channel changes) is ignored. message_changed/message_deleted are edits and deletions of replies.
REPLY_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})


def mention_trigger(event: dict[str, Any], team_id: str, bot_user_id: str) -> Trigger:
    """A mention: its thread (or the message itself as the root of a new thread)."""
    text = strip_bot_mention(str(event.get("text", "")).replace(f"<@{bot_user_id}>", ""))
    return Trigger(
        team_id=team_id,
        channel_id=event["channel"],
        thread_ts=event.get("thread_ts") or event["ts"],
        trigger_ts=event["ts"],
        user_id=event.get("user", ""),
        text=text if event.get("thread_ts") else "",
        source="mention",
    )


def shortcut_trigger(body: dict[str, Any], team_id: str) -> Trigger:
    """The message shortcut: the thread of the message it was used on (team_id: the tenant scope)."""
    message = body["message"]
    return Trigger(
        team_id=team_id,
        channel_id=body["channel"]["id"],
        thread_ts=message.get("thread_ts") or message["ts"],
        trigger_ts=message["ts"],
        user_id=body["user"]["id"],
        source="shortcut",
        dedupe_id=f"shortcut:{body.get('action_ts') or body.get('trigger_id')}",
    )


def button_trigger(body: dict[str, Any], team_id: str) -> Trigger:
    """A button on one of the bot's messages: the thread that message is in (team_id: the tenant scope)."""
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or body["container"]["channel_id"]
    # One click is one action_ts (and one trigger_id): a redelivered or replayed payload carries the same.
    action = (body.get("actions") or [{}])[0]
    click = action.get("action_ts") or body.get("trigger_id") or ""
    return Trigger(
        team_id=team_id,
        channel_id=channel,
        thread_ts=message.get("thread_ts") or message.get("ts") or body["container"]["message_ts"],
        trigger_ts=message.get("ts") or body["container"]["message_ts"],
        user_id=body["user"]["id"],
        source="button",
        dedupe_id=f"action:{click}" if click else "",
    )


def thread_change(event: dict[str, Any], team_id: str, bot_user_id: str | None) -> ThreadReply | DeletedReply | None:
    """A message event as a reply, an edit or a deletion in a thread; None for anything else."""
    subtype = event.get("subtype")
    if subtype == "message_changed":
        return _reply(team_id, event["channel"], event.get("message") or {}, bot_user_id, edited=True)
    if subtype == "message_deleted":
        thread_ts = (event.get("previous_message") or {}).get("thread_ts")
        if not thread_ts or not event.get("deleted_ts"):
            return None
        return DeletedReply(team_id=team_id, channel_id=event["channel"], thread_ts=thread_ts, ts=event["deleted_ts"])
    if subtype not in REPLY_SUBTYPES:
        return None
    return _reply(team_id, event["channel"], event, bot_user_id, edited=False)


def _reply(
    team_id: str, channel: str, message: dict[str, Any], bot_user_id: str | None, *, edited: bool
) -> ThreadReply | None:
    thread_ts, ts, user = message.get("thread_ts"), message.get("ts"), message.get("user")
    if not thread_ts or not ts or thread_ts == ts or not user or message.get("bot_id"):
        return None  # not a reply, or a bot's message
    text = str(message.get("text", ""))
    if bot_user_id and f"<@{bot_user_id}>" in text and not edited:
        return None  # a mention: the app_mention event carries it as a trigger
    if re.fullmatch(r"\s*", text) and not message.get("files"):
        return None
    reply = Reply(ts=ts, user_id=user, text=text, edited=edited)
    return ThreadReply(team_id=team_id, channel_id=channel, thread_ts=thread_ts, reply=reply)


# -- tenants and organisations (Enterprise Grid, Slack Connect) ------------------------------------------


def tenant_ref(body: dict[str, Any]) -> TenantRef:
    """The tenant a payload is for: the installation, and for an org-wide one the workspace it happened in.

    Works for every kind Slack sends: Events API envelopes (app_mention, message, app_home_opened, the
    lifecycle events), slash commands, shortcuts, block actions and view submissions.
    """
    auth = _first_authorization(body)
    org_install = _truthy(auth.get("is_enterprise_install") if auth else body.get("is_enterprise_install"))
    enterprise = _enterprise_id(body, auth)
    team = payload_team(body, org_install=org_install)
    return TenantRef(team_id=team or "", enterprise_id=enterprise, org_install=org_install and bool(enterprise))


def payload_team(body: dict[str, Any], *, org_install: bool) -> str | None:
    """The workspace a payload is for: where it happened (org-wide install), else the installation's own."""
    auth = _first_authorization(body)
    if org_install:
        # One org token serves every workspace of the org: the scope is the workspace the request is in.
        team = _first(body.get("context_team_id"), _team_field(body), _nested(body, "user", "team_id"))
        return _first(team, _nested(body, "view", "team_id"), _nested(body, "event", "team_id"))
    # authorizations[0] (events) and app_installed_team_id (a modal opened through a shared channel)
    # name the installation itself, where team_id / team.id may be the other side of a Slack Connect channel.
    team = _first(auth.get("team_id") if auth else None, _nested(body, "view", "app_installed_team_id"))
    return _first(team, _team_field(body), _nested(body, "user", "team_id"), _nested(body, "view", "team_id"))


def person_of(body: dict[str, Any]) -> Affiliation:
    """The organisation of the person who sent a payload, as far as its fields tell (unknown: users.info)."""
    event = body.get("event")
    if isinstance(event, dict):
        # user_team is the author's team (Slack puts an enterprise id there for some Grid users), and so is
        # user_profile.team. Slack leaves both out at times: then users.info decides. `team` and source_team
        # are not used: they can name the workspace the message was posted in, not the person's.
        return Affiliation.of_id(_first(_str(event.get("user_team")), _nested(event, "user_profile", "team")))
    if "command" in body:
        # Slack never shares an app's slash command with another organisation's members: whoever runs it
        # is in the workspace (and org) the command came from.
        return Affiliation(team_id=_str(body.get("team_id")), enterprise_id=_str(body.get("enterprise_id")))
    return Affiliation.of_id(_nested(body, "user", "team_id"), _nested(body, "user", "enterprise_id"))


def home_of(tenant: TenantRef) -> Home:
    """The installation a tenant reaches the bot through: its org for an org-wide install, else its workspace."""
    if tenant.org_install:
        return Home(team_id=None, enterprise_id=tenant.enterprise_id, org_install=True)
    return Home(team_id=tenant.team_id or None, enterprise_id=tenant.enterprise_id, org_install=False)


def revoked_scopes(event: dict[str, Any], body: dict[str, Any], enterprise_id: str | None) -> list[str]:
    """The tenant scopes of the workspaces a `team_access_revoked` event takes out of an org-wide install."""
    # docs.slack.dev shows the envelope's fields nested inside `event` too: read team_ids from either.
    inner = event.get("event")
    team_ids = (inner if isinstance(inner, dict) else event).get("team_ids") or []
    teams = [t for t in team_ids if isinstance(t, str) and t]
    enterprise = _first(
        enterprise_id, _enterprise_id(body, _first_authorization(body)), _str(event.get("enterprise_id"))
    )
    if not enterprise:
        return []  # not an org-wide install's event: there is no org scope to forget
    return [TenantRef(team_id=team, enterprise_id=enterprise, org_install=True).scope for team in teams]


def _first_authorization(body: dict[str, Any]) -> dict[str, Any] | None:
    auths = body.get("authorizations")
    return auths[0] if isinstance(auths, list) and auths and isinstance(auths[0], dict) else None


def _enterprise_id(body: dict[str, Any], auth: dict[str, Any] | None) -> str | None:
    org = body.get("enterprise")
    from_org = org if isinstance(org, str) else (org or {}).get("id") if isinstance(org, dict) else None
    return _first(
        _str(from_org),
        _str(auth.get("enterprise_id")) if auth else None,
        _str(body.get("enterprise_id")),
        _nested(body, "team", "enterprise_id"),
        _str(body.get("context_enterprise_id")),
    )


def _team_field(body: dict[str, Any]) -> str | None:
    team = body.get("team")
    if isinstance(team, dict):
        return _str(team.get("id"))
    return _first(_str(team) if isinstance(team, str) else None, _str(body.get("team_id")))


def _nested(body: dict[str, Any], outer: str, inner: str) -> str | None:
    value = body.get(outer)
    return _str(value.get(inner)) if isinstance(value, dict) else None


def _first(*values: str | None) -> str | None:
    return next((v for v in values if v), None)


def _str(value: object) -> str | None:
    return str(value) if isinstance(value, str) and value else None


def _truthy(value: object) -> bool:
    # Slash commands send form fields: "true"/"false" strings.
    return value is True or value == "true"
