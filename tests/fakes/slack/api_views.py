"""views.* Web API methods: modals opened with single-use, short-lived trigger_ids, and Home tabs."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from .checks import check_view
from .models import ApiError, Params

if TYPE_CHECKING:
    from .emulator import SlackEmulator


def _stored_view(emu: SlackEmulator, view: dict[str, Any], view_id: str, previous: str | None = None) -> dict[str, Any]:
    ident = emu.ws.ident
    return {
        **view,
        "id": view_id,
        "team_id": ident.team_id,
        "app_id": ident.app_id,
        "bot_id": ident.bot_id,
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "external_id": view.get("external_id", ""),
        "state": {"values": {}},
        "hash": uuid.uuid4().hex[:16],
        "root_view_id": view_id,
        "previous_view_id": previous,
        "app_installed_team_id": ident.team_id,
    }


def find_view(emu: SlackEmulator, view_id: str | None, external_id: str | None = None) -> dict[str, Any]:
    """The record in `emu.views` for a view id (or external_id), else `not_found`."""
    records: list[dict[str, Any]] = emu.ws.views
    for record in reversed(records):
        view = record["view"]
        if (view_id and view["id"] == view_id) or (external_id and view.get("external_id") == external_id):
            return record
    raise ApiError("not_found")


def _open(emu: SlackEmulator, p: Params, previous: str | None = None) -> dict[str, Any]:
    # Validate before exchanging: a malformed view must not burn the trigger.
    view = check_view(p.decoded("view"))
    trigger_id = p.required("trigger_id")
    trig = emu.ws.exchange_trigger(trigger_id)
    stored = _stored_view(emu, view, emu.ws.ids.next("V"), previous)
    emu.ws.views.append({"id": stored["id"], "view": stored, "user": trig["user"], "trigger_id": trigger_id})
    return {"ok": True, "view": stored}


def views_open(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """views.open."""
    return _open(emu, p)


def views_push(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """views.push (same trigger rules as views.open)."""
    return _open(emu, p)


def views_update(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """views.update by view_id or external_id, honouring `hash` for optimistic locking."""
    view = check_view(p.decoded("view"))
    record = find_view(emu, p.text("view_id"), p.text("external_id"))
    if p.text("hash") and p.text("hash") != record["view"]["hash"]:
        raise ApiError("hash_conflict")
    current = record["view"]
    record["view"] = _stored_view(emu, view, current["id"], current.get("previous_view_id"))
    return {"ok": True, "view": record["view"]}


def views_publish(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """views.publish of a Home tab; stored in `emu.home_views[user_id]`."""
    user = p.required("user_id", error="user_not_found")
    emu.ws.user(user)
    view = check_view(p.decoded("view"))
    if view["type"] != "home":
        raise ApiError("invalid_arguments", ["[ERROR] view type must be home [json-pointer:/view/type]"])
    previous = emu.ws.home_views.get(user)
    stored = _stored_view(emu, view, previous["id"] if previous else emu.ws.ids.next("V"))
    emu.ws.home_views[user] = stored
    return {"ok": True, "view": stored}


HANDLERS = {
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
}
