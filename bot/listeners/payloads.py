"""Slack's JSON -> what the flow takes: a Trigger for a request, a ThreadReply / DeletedReply for a message.

Pure parsing: nothing here calls Slack or touches storage.
"""

from __future__ import annotations

import re
from typing import Any

from bot.flow.trigger import DeletedReply, ThreadReply, Trigger
from bot.spec.answers import strip_bot_mention
from bot.spec.records import Reply

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
