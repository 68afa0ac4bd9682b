"""Read-only Web API methods: users.info, conversations.* (with cursor pagination)."""

from __future__ import annotations

import base64
from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING, Any

from .models import ApiError, Params
from .store import Channel
from .tiers import admit_replies, replies_page_cap

if TYPE_CHECKING:
    from .emulator import SlackEmulator


def encode_cursor(value: str) -> str:
    """An opaque cursor, base64 like Slack's ("dXNlcjpVMDYxTkZUVDI=")."""
    return base64.b64encode(f"next:{value}".encode()).decode()


def decode_cursor(cursor: str) -> str:
    """Inverse of encode_cursor; garbage gives Slack's `invalid_cursor`."""
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
    except ValueError as exc:
        raise ApiError("invalid_cursor") from exc
    if not text.startswith("next:"):
        raise ApiError("invalid_cursor")
    return text[5:]


def _limit(p: Params, default: int, cap: int) -> int:
    # Slack treats 0/absent as the default and silently caps large values.
    value = p.number("limit", default)
    return default if value <= 0 else min(value, cap)


def users_info(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """users.info."""
    return {"ok": True, "user": emu.ws.user(p.required("user", error="user_not_found"))}


def channel_info(emu: SlackEmulator, chan: Channel) -> dict[str, Any]:
    """The `channel` object of conversations.info."""
    info: dict[str, Any] = {
        "id": chan.id,
        "name": chan.name,
        "is_channel": not chan.is_private and not chan.is_im,
        "is_group": chan.is_private and not chan.is_im,
        "is_im": chan.is_im,
        "is_mpim": False,
        "is_private": chan.is_private or chan.is_im,
        "is_archived": chan.is_archived,
        "created": chan.created,
        "is_member": chan.is_member(emu.ws.ident.bot_user_id),
        "num_members": len(chan.members),
        "context_team_id": emu.ws.ident.team_id,
    }
    if chan.teams:  # Slack Connect (another org) or shared inside one Grid org
        info.update(
            is_shared=True,
            is_ext_shared=chan.ext_shared,
            is_org_shared=not chan.ext_shared,
            shared_team_ids=list(chan.teams),
            conversation_host_id=chan.teams[0],
        )
    else:
        info.update(is_shared=False, is_ext_shared=False, is_org_shared=False)
    if chan.is_im:
        info["user"] = next((m for m in chan.members if m != emu.ws.ident.bot_user_id), None)
    return info


def conversations_info(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """conversations.info."""
    return {"ok": True, "channel": channel_info(emu, emu.ws.visible_channel(p.text("channel")))}


def conversations_members(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """conversations.members with offset cursors."""
    chan = emu.ws.visible_channel(p.text("channel"))
    limit = _limit(p, 100, 1000)
    cursor = p.text("cursor")
    offset = decode_cursor(cursor) if cursor else "0"
    if not offset.isdigit():
        raise ApiError("invalid_cursor")
    start = int(offset)
    end = start + limit
    more = end < len(chan.members)
    return {
        "ok": True,
        "members": chan.members[start:end],
        "response_metadata": {"next_cursor": encode_cursor(str(end)) if more else ""},
    }


def conversations_replies(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """conversations.replies: root first, then replies in ts order; O(log n + page) per call."""
    admit_replies(emu, emu.ws.ident.team_id)  # Slack counts the call before it looks at the arguments
    chan = emu.ws.member_channel(p.text("channel"))
    root = chan.root_of(p.required("ts", error="thread_not_found"))
    if root is None or root not in chan.msgs:
        raise ApiError("thread_not_found")
    # At the slow tier a larger `limit` is cut to 15, and a second call within the window gets a 429.
    limit = _limit(p, 1000, replies_page_cap(emu, 1000))
    lo, hi = chan.thread_window(root, p.text("oldest"), p.text("latest"), p.flag("inclusive"))
    replies = chan.replies.get(root, [])
    cursor = p.text("cursor")
    page: list[dict[str, Any]] = []
    if cursor:
        start = max(lo, bisect_left(replies, decode_cursor(cursor)))
    else:
        # The parent always comes first (Slack returns it even when oldest/latest exclude it).
        page.append(chan.peek(root) or {})
        start = lo
    end = min(hi, start + limit - len(page))
    page.extend(chan.peek(ts) or {} for ts in replies[start:end])
    more = end < hi
    return {
        "ok": True,
        "messages": page,
        "has_more": more,
        "response_metadata": {"next_cursor": encode_cursor(replies[end]) if more else ""},
    }


def conversations_history(emu: SlackEmulator, p: Params) -> dict[str, Any]:
    """conversations.history: top-level messages (and broadcasts), newest first."""
    chan = emu.ws.member_channel(p.text("channel"))
    limit = _limit(p, 100, 999)
    inclusive, oldest, latest = p.flag("inclusive"), p.text("oldest"), p.text("latest")
    lo = (bisect_left if inclusive else bisect_right)(chan.top, oldest) if oldest else 0
    hi = (bisect_right if inclusive else bisect_left)(chan.top, latest) if latest else len(chan.top)
    cursor = p.text("cursor")
    if cursor:
        hi = min(hi, bisect_right(chan.top, decode_cursor(cursor)))
    start = max(lo, hi - limit)
    page = [chan.peek(ts) or {} for ts in reversed(chan.top[start:hi])]
    more = start > lo
    return {
        "ok": True,
        "messages": page,
        "has_more": more,
        "pin_count": len(chan.pins),
        "response_metadata": {"next_cursor": encode_cursor(chan.top[start - 1]) if more else ""},
    }


HANDLERS = {
    "users.info": users_info,
    "conversations.info": conversations_info,
    "conversations.members": conversations_members,
    "conversations.replies": conversations_replies,
    "conversations.history": conversations_history,
}
