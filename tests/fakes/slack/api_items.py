"""pins.* and reactions.* Web API methods."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .models import ApiError, Params
from .store import Channel

if TYPE_CHECKING:
    from .emulator import SlackEmulator


def _target(emu: SlackEmulator, p: Params) -> tuple[Channel, dict[str, Any]]:
    chan = emu.ws.member_channel(p.text("channel"))
    ts = p.text("timestamp")
    if not ts:
        raise ApiError("no_item_specified")
    msg = chan.msgs.get(ts)
    if msg is None:
        raise ApiError("message_not_found")
    return chan, msg


def pins_add(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """pins.add for a message (files themselves are not pinnable)."""
    if p.text("file"):
        emu.ws.member_channel(p.text("channel"))
        raise ApiError("not_pinnable")
    chan, msg = _target(emu, p)
    if msg["ts"] in chan.pins:
        raise ApiError("already_pinned")
    chan.pins.append(msg["ts"])
    info = {chan.id: {"pinned_by": emu.ws.ident.bot_user_id, "pinned_ts": int(time.time())}}
    msg["pinned_to"] = [*msg.get("pinned_to", []), chan.id]
    msg["pinned_info"] = {**msg.get("pinned_info", {}), **info}
    return {"ok": True}


def pins_remove(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """pins.remove."""
    chan, msg = _target(emu, p)
    if msg["ts"] not in chan.pins:
        raise ApiError("no_pin")
    chan.pins.remove(msg["ts"])
    msg["pinned_to"] = [c for c in msg.get("pinned_to", []) if c != chan.id]
    msg["pinned_info"] = {c: v for c, v in msg.get("pinned_info", {}).items() if c != chan.id}
    if not msg["pinned_to"]:
        del msg["pinned_to"], msg["pinned_info"]
    return {"ok": True}


def pins_list(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """pins.list: newest pin first, as Slack lists them."""
    chan = emu.ws.member_channel(p.text("channel"))
    items = []
    for ts in reversed(chan.pins):
        msg = chan.peek(ts) or {}
        info = msg.get("pinned_info", {}).get(chan.id, {})
        items.append(
            {
                "type": "message",
                "created": info.get("pinned_ts"),
                "created_by": info.get("pinned_by"),
                "channel": chan.id,
                "message": msg,
            }
        )
    return {"ok": True, "items": items}


def reactions_add(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """reactions.add by the bot."""
    name = p.required("name", error="invalid_name").strip(":")
    _, msg = _target(emu, p)
    bot = emu.ws.ident.bot_user_id
    reactions = [dict(r) for r in msg.get("reactions", [])]
    current = next((r for r in reactions if r["name"] == name), None)
    if current is None:
        reactions.append({"name": name, "users": [bot], "count": 1})
    elif bot in current["users"]:
        raise ApiError("already_reacted")
    else:
        current.update(users=[*current["users"], bot], count=current["count"] + 1)
    msg["reactions"] = reactions
    return {"ok": True}


def reactions_remove(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """reactions.remove by the bot."""
    name = p.required("name", error="invalid_name").strip(":")
    _, msg = _target(emu, p)
    bot = emu.ws.ident.bot_user_id
    reactions = [dict(r) for r in msg.get("reactions", [])]
    current = next((r for r in reactions if r["name"] == name and bot in r["users"]), None)
    if current is None:
        raise ApiError("no_reaction")
    current.update(users=[u for u in current["users"] if u != bot], count=current["count"] - 1)
    msg["reactions"] = [r for r in reactions if r["count"] > 0]
    if not msg["reactions"]:
        del msg["reactions"]
    return {"ok": True}


HANDLERS = {
    "pins.add": pins_add,
    "pins.remove": pins_remove,
    "pins.list": pins_list,
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
}
