"""files.* (the v2 external upload flow with asynchronous sharing) and files.info."""

from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING, Any

from . import payloads
from .checks import audit_message, audit_thread_ts, decode_blocks
from .models import ApiError, FileRecord, Params, parse_multipart
from .store import Channel

if TYPE_CHECKING:
    from .emulator import SlackEmulator

_TYPES = {
    "md": ("markdown", "text/markdown", "Markdown (raw)"),
    "txt": ("text", "text/plain", "Plain Text"),
    "json": ("json", "application/json", "JSON"),
    "pdf": ("pdf", "application/pdf", "PDF"),
    "png": ("png", "image/png", "PNG"),
}


def file_object(emu: SlackEmulator, rec: FileRecord, *, with_shares: bool = True) -> dict[str, Any]:
    """The `file` object of files.info (shares/channels only once the async share has happened)."""
    ext = rec["filename"].rsplit(".", 1)[-1].lower() if "." in rec["filename"] else ""
    filetype, mimetype, pretty = _TYPES.get(ext, ("binary", "application/octet-stream", "Binary"))
    base = emu.ws.base_url
    obj: dict[str, Any] = {
        "id": rec["id"],
        "created": rec["created"],
        "timestamp": rec["created"],
        "name": rec["filename"],
        "title": rec["title"],
        "mimetype": mimetype,
        "filetype": filetype,
        "pretty_type": pretty,
        "user": rec["user"],
        "user_team": emu.ws.ident.team_id,
        "editable": False,
        "size": len(rec["content"] or b""),
        "mode": "hosted",
        "is_external": False,
        "is_public": "public" in rec["shares"],
        "comments_count": 0,
        "url_private": f"{base}/files/{rec['id']}/{rec['filename']}",
        "url_private_download": f"{base}/files/{rec['id']}/download/{rec['filename']}",
        "permalink": f"https://{emu.ws.ident.host}/files/{rec['user']}/{rec['id']}",
    }
    if with_shares:
        obj.update(
            shares=rec["shares"], channels=list(rec["channels"]), groups=list(rec["groups"]), ims=list(rec["ims"])
        )
    return obj


def files_get_upload_url(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """files.getUploadURLExternal: reserves a file id and returns an upload URL on the emulator."""
    filename = p.required("filename")
    if p.number("length", 0) <= 0:
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: length"])
    ws = emu.ws
    file_id = ws.ids.next("F")
    ws.files[file_id] = FileRecord(
        id=file_id,
        filename=filename,
        title=filename,
        length=p.number("length", 0),
        content=None,
        user=ws.ident.bot_user_id,
        created=int(time.time()),
        completed=False,
        channel_id=None,
        thread_ts=None,
        initial_comment=None,
        shares={},
        channels=[],
        groups=[],
        ims=[],
    )
    return {"ok": True, "upload_url": f"{ws.base_url}/upload/{file_id}", "file_id": file_id}


def receive_upload(emu: SlackEmulator, file_id: str, body: bytes, content_type: str) -> tuple[int, str]:
    """The POST to an upload_url: slack_sdk sends the raw bytes; multipart (`file` part) also accepted."""
    if content_type.startswith("multipart/form-data"):
        parts = parse_multipart(body, content_type)
        part = parts.get("file", parts.get("filename"))
        if part is None:
            return 400, "missing file part"
        body = part
    with emu.ws.lock:
        rec = emu.ws.files.get(file_id)
        if rec is None or rec["completed"]:
            return 404, "file not found"
        rec["content"] = body
    return 200, f"OK - {len(body)}"


def _targets(emu: SlackEmulator, p: Params) -> list[Channel]:
    refs = [p.text("channel_id")] if p.text("channel_id") else (p.text("channels") or "").split(",")
    chans = [emu.ws.member_channel(ref.strip()) for ref in refs if ref and ref.strip()]
    if len(chans) > 1 and p.text("thread_ts"):
        raise ApiError("invalid_arguments", ["[ERROR] thread_ts can only be used with one channel"])
    return chans


def files_complete_upload(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """files.completeUploadExternal: answers at once; the channel share lands `share_delay` s later."""
    specs = p.decoded("files")
    if not isinstance(specs, list) or not specs or any(not isinstance(s, dict) or "id" not in s for s in specs):
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: files"])
    recs = [emu.ws.files.get(str(s["id"])) for s in specs]
    if any(rec is None or rec["content"] is None for rec in recs):
        raise ApiError("file_not_found")
    chans = _targets(emu, p)
    thread_ts, comment, blocks = p.text("thread_ts"), p.text("initial_comment"), decode_blocks(p)
    audit_message(emu.ws, "files.completeUploadExternal", p, comment, blocks)
    for chan in chans:
        audit_thread_ts(emu.ws, "files.completeUploadExternal", chan.id, thread_ts)
    for spec, rec in zip(specs, recs, strict=True):
        assert rec is not None
        rec.update(
            title=spec.get("title") or rec["filename"],
            completed=True,
            initial_comment=comment,
            channel_id=chans[0].id if chans else None,
            thread_ts=thread_ts,
        )
    ids = [str(s["id"]) for s in specs]
    for chan in chans:
        emu.schedule(emu.share_delay, partial(_share, emu, ids, chan, thread_ts, comment, blocks))
    return {
        "ok": True,
        "files": [{"id": r["id"], "title": r["title"], "name": r["filename"]} for r in recs if r is not None],
    }


def _share(
    emu: SlackEmulator,
    ids: list[str],
    chan: Channel,
    thread_ts: str | None,
    comment: str | None,
    blocks: list[dict[str, Any]] | None,
) -> None:
    # Runs on a timer thread, mimicking Slack finishing the share after the API call returned.
    ws = emu.ws
    with ws.lock:
        files = [file_object(emu, ws.files[i], with_shares=False) for i in ids]
        msg = ws.bot_message(
            chan, comment or "", thread_ts=thread_ts, files=files, blocks=blocks, upload=True, display_as_bot=False
        )
        root = msg.get("thread_ts")
        entry: dict[str, Any] = {
            "reply_users": [],
            "reply_users_count": 0,
            "reply_count": 0,
            "ts": msg["ts"],
            "channel_name": chan.name,
            "team_id": ws.ident.team_id,
            "share_user_id": ws.ident.bot_user_id,
            "source": "UNKNOWN",
        }
        if root:
            entry["thread_ts"] = root
        kind = "private" if chan.is_private or chan.is_im else "public"
        listing = "ims" if chan.is_im else "groups" if chan.is_private else "channels"
        for file_id in ids:
            rec = ws.files[file_id]
            shares = {k: dict(v) for k, v in rec["shares"].items()}  # replace, don't mutate in place
            shares.setdefault(kind, {}).setdefault(chan.id, [])
            shares[kind][chan.id] = [dict(entry), *shares[kind][chan.id]]
            rec["shares"] = shares
            rec[listing] = [*rec[listing], chan.id]
        event = payloads.message_event(chan, dict(msg))
    emu.emit_bot_event(chan, event)


def files_info(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """files.info for an uploaded (completed) file."""
    rec = emu.ws.files.get(p.text("file") or "")
    if rec is None or not rec.get("completed"):
        raise ApiError("file_not_found")
    return {"ok": True, "file": file_object(emu, rec), "comments": [], "response_metadata": {"next_cursor": ""}}


HANDLERS = {
    "files.getUploadURLExternal": files_get_upload_url,
    "files.completeUploadExternal": files_complete_upload,
    "files.info": files_info,
}
