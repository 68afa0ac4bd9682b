"""chat.* Web API methods: post, update, delete, ephemeral, permalink."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import payloads
from .checks import (
    MESSAGE_BLOCK_LIMIT,
    POST_TEXT_LIMIT,
    SAFE_TEXT_LIMIT,
    audit_message,
    audit_thread_ts,
    decode_blocks,
    enforce_block_count,
    enforce_block_limits,
)
from .models import ApiError, Params
from .store import Channel

if TYPE_CHECKING:
    from .emulator import SlackEmulator


def _writable_channel(emu: SlackEmulator, p: Params) -> Channel:
    chan = emu.ws.visible_channel(p.text("channel"))
    if chan.is_archived:
        raise ApiError("is_archived")
    if not chan.is_member(emu.ws.ident.bot_user_id):
        raise ApiError("not_in_channel")
    return chan


def _content(
    emu: SlackEmulator, method: str, p: Params, *, text_cap: int, audit_length: bool
) -> tuple[str | None, list[dict[str, Any]] | None]:
    # Order matters: violations are recorded before Slack's own limits reject the call, so tests
    # see both the error and the reason the bot should never have tried.
    text = p.text("text")
    blocks = decode_blocks(p)
    if not text and not blocks and not p.data.get("attachments"):
        raise ApiError("no_text")
    audit_message(emu.ws, method, p, text, blocks, text_limit=audit_length)
    if text and len(text) > text_cap:
        raise ApiError("msg_too_long")
    enforce_block_count(blocks, MESSAGE_BLOCK_LIMIT, "/blocks")
    enforce_block_limits(blocks, "/blocks")
    return text, blocks


def _own_message(emu: SlackEmulator, chan: Channel, ts: str | None, error: str) -> dict[str, Any]:
    msg = chan.msgs.get(ts or "")
    if msg is None:
        raise ApiError("message_not_found")
    if msg.get("bot_id") != emu.ws.ident.bot_id:
        raise ApiError(error)
    return msg


def chat_post_message(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """chat.postMessage, stored as authored by the bot; echoed back as a `message` event."""
    chan = _writable_channel(emu, p)
    text, blocks = _content(emu, "chat.postMessage", p, text_cap=POST_TEXT_LIMIT, audit_length=True)
    thread_ts = p.text("thread_ts")
    audit_thread_ts(emu.ws, "chat.postMessage", chan.id, thread_ts)
    broadcast = "thread_broadcast" if thread_ts and p.flag("reply_broadcast") else None
    msg = emu.ws.bot_message(
        chan,
        text or "",
        thread_ts=thread_ts,
        blocks=blocks,
        subtype=broadcast,
        metadata=p.decoded("metadata"),
        attachments=p.decoded("attachments"),
    )
    emu.emit_bot_event(chan, payloads.message_event(chan, dict(msg)))
    return {"ok": True, "channel": chan.id, "ts": msg["ts"], "message": dict(msg)}


def chat_update(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """chat.update of one of the bot's own messages (text limit 4,000)."""
    chan = emu.ws.visible_channel(p.text("channel"))
    msg = _own_message(emu, chan, p.text("ts"), "cant_update_message")
    text, blocks = _content(emu, "chat.update", p, text_cap=SAFE_TEXT_LIMIT, audit_length=False)
    before = dict(msg)
    msg["text"] = text or ""
    if blocks is not None:
        msg["blocks"] = blocks
    msg["edited"] = {"user": emu.ws.ident.bot_user_id, "ts": emu.ws.clock.next()}
    emu.emit_bot_event(chan, payloads.changed_event(emu.ws, chan, dict(msg), before))
    return {"ok": True, "channel": chan.id, "ts": msg["ts"], "text": msg["text"], "message": dict(msg)}


def chat_delete(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """chat.delete of one of the bot's own messages."""
    chan = emu.ws.visible_channel(p.text("channel"))
    msg = _own_message(emu, chan, p.text("ts"), "cant_delete_message")
    chan.remove(msg["ts"])
    emu.emit_bot_event(chan, payloads.deleted_event(emu.ws, chan, dict(msg)))
    return {"ok": True, "channel": chan.id, "ts": msg["ts"]}


def chat_post_ephemeral(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """chat.postEphemeral: recorded in `emu.ephemerals`, never stored in the channel."""
    chan = _writable_channel(emu, p)
    user = p.required("user", error="user_not_found")
    emu.ws.user(user)
    if not chan.is_member(user):
        raise ApiError("user_not_in_channel")
    text, blocks = _content(emu, "chat.postEphemeral", p, text_cap=POST_TEXT_LIMIT, audit_length=True)
    thread_ts = p.text("thread_ts")
    audit_thread_ts(emu.ws, "chat.postEphemeral", chan.id, thread_ts)
    ts = emu.ws.clock.next()
    emu.ws.ephemerals.append(
        {"channel": chan.id, "user": user, "text": text or "", "blocks": blocks, "thread_ts": thread_ts, "ts": ts}
    )
    return {"ok": True, "message_ts": ts}


def permalink(emu: SlackEmulator, chan: Channel, ts: str) -> str:
    """Slack's permalink format (Grid: <domain>.enterprise.slack.com), with thread_ts/cid for replies."""
    link = f"https://{emu.ws.ident.host}/archives/{chan.id}/p{ts.replace('.', '')}"
    root = chan.root_of(ts)
    if root and root != ts:
        link += f"?thread_ts={root}&cid={chan.id}"
    return link


def chat_get_permalink(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """chat.getPermalink."""
    chan = emu.ws.visible_channel(p.text("channel"))
    ts = p.text("message_ts")
    if not ts or ts not in chan.msgs:
        raise ApiError("message_not_found")
    return {"ok": True, "channel": chan.id, "permalink": permalink(emu, chan, ts)}


HANDLERS = {
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.getPermalink": chat_get_permalink,
}


def apply_response(emu: SlackEmulator, origin: dict[str, Any], payload: dict[str, Any]) -> None:
    """Apply a response_url message like Slack: delete/replace the source message or post in_channel."""
    ws = emu.ws
    chan = ws.channels.get(origin.get("channel") or "")
    if chan is None:
        return
    text, blocks = payload.get("text"), payload.get("blocks")
    audit_message(ws, "response_url", Params(payload), text, blocks if isinstance(blocks, list) else None)
    source = chan.msgs.get(origin.get("message_ts") or "")
    is_own = source is not None and source.get("bot_id") == ws.ident.bot_id
    if payload.get("delete_original") and is_own and source is not None:
        chan.remove(source["ts"])
    elif payload.get("replace_original") and is_own and source is not None:
        source.update(text=text or "", edited={"user": ws.ident.bot_user_id, "ts": ws.clock.next()})
        if blocks is not None:
            source["blocks"] = blocks
    elif payload.get("response_type") == "in_channel":
        msg = ws.bot_message(chan, text or "", thread_ts=payload.get("thread_ts"), blocks=blocks)
        emu.emit_bot_event(chan, payloads.message_event(chan, dict(msg)))
