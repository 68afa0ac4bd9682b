"""Argument validation (Slack's errors) and bot-specific policy audits (recorded as violations)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from .models import ApiError, Params
from .workspace import Workspace

# Control sequences that notify many people; the bot must never emit them (it escapes user/LLM text).
BROADCAST_RE = re.compile(r"<!(?:channel|here|everyone)\b|<!subteam\^")
MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
SAFE_TEXT_LIMIT = 4_000  # chat.update's hard limit; the bot must stay under it everywhere
POST_TEXT_LIMIT = 40_000  # chat.postMessage's hard limit


def decode_blocks(p: Params) -> list[dict[str, Any]] | None:
    """Parse `blocks` (JSON string from form bodies or a list from JSON bodies) and check its shape."""
    raw = p.data.get("blocks")
    if raw is None or raw == "" or raw == []:
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise ApiError("invalid_blocks_format", ["[ERROR] blocks must be a JSON array"]) from exc
    if not isinstance(raw, list):
        raise ApiError("invalid_blocks", ["[ERROR] must provide an array [json-pointer:/blocks]"])
    for i, block in enumerate(raw):
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise ApiError("invalid_blocks", [f"[ERROR] missing required field: type [json-pointer:/blocks/{i}]"])
    return raw


def enforce_block_count(
    blocks: list[dict[str, Any]] | None, limit: int, pointer: str, error: str = "invalid_blocks"
) -> None:
    """Raise Slack's too-many-items error when a block list exceeds its surface's limit."""
    if blocks and len(blocks) > limit:
        raise ApiError(error, [f"[ERROR] no more than {limit} items allowed [json-pointer:{pointer}]"])


# Slack's per-element limits (docs.slack.dev Block Kit reference), checked the way Slack checks them:
# the whole call is refused, naming the first offending field by its JSON pointer.
TEXT_LIMITS: dict[str, int] = {"section": 3_000, "header": 150, "context": 3_000, "field": 2_000}
ELEMENT_COUNTS: dict[str, tuple[str, int]] = {"context": ("elements", 10), "actions": ("elements", 25)}
BUTTON_LIMITS: dict[str, int] = {"text": 75, "value": 2_000, "action_id": 255, "url": 3_000}
INPUT_LIMITS: dict[str, int] = {"label": 2_000, "hint": 2_000}


def _too_long(error: str, limit: int, pointer: str) -> ApiError:
    return ApiError(error, [f"[ERROR] must be less than {limit + 1} characters [json-pointer:{pointer}]"])


def _text_of(obj: Any) -> str:
    return str(obj.get("text", "")) if isinstance(obj, dict) else ""


def enforce_block_limits(blocks: list[dict[str, Any]] | None, pointer: str, error: str = "invalid_blocks") -> None:
    """Raise Slack's error for the first text, list or id in the blocks that is over its limit."""
    for i, block in enumerate(blocks or []):
        at = f"{pointer}/{i}"
        kind = str(block.get("type"))
        if len(str(block.get("block_id", ""))) > 255:
            raise _too_long(error, 255, f"{at}/block_id")
        if kind in ("section", "header") and len(_text_of(block.get("text"))) > TEXT_LIMITS[kind]:
            raise _too_long(error, TEXT_LIMITS[kind], f"{at}/text/text")
        _enforce_lists(block, kind, at, error)
        _enforce_element(block.get("accessory"), f"{at}/accessory", error)
        if kind == "input":
            for key, most in INPUT_LIMITS.items():
                if len(_text_of(block.get(key))) > most:
                    raise _too_long(error, most, f"{at}/{key}/text")


def _enforce_lists(block: dict[str, Any], kind: str, at: str, error: str) -> None:
    fields = block.get("fields") or []
    if len(fields) > 10:
        raise ApiError(error, [f"[ERROR] no more than 10 items allowed [json-pointer:{at}/fields]"])
    for j, field in enumerate(fields):
        if len(_text_of(field)) > TEXT_LIMITS["field"]:
            raise _too_long(error, TEXT_LIMITS["field"], f"{at}/fields/{j}/text")
    if kind in ELEMENT_COUNTS:
        key, most = ELEMENT_COUNTS[kind]
        if len(block.get(key) or []) > most:
            raise ApiError(error, [f"[ERROR] no more than {most} items allowed [json-pointer:{at}/{key}]"])
    for j, element in enumerate(block.get("elements") or []):
        if kind == "context" and len(_text_of(element)) > TEXT_LIMITS["context"]:
            raise _too_long(error, TEXT_LIMITS["context"], f"{at}/elements/{j}/text")
        _enforce_element(element, f"{at}/elements/{j}", error)


def _enforce_element(element: Any, at: str, error: str) -> None:
    if not isinstance(element, dict) or element.get("type") != "button":
        return
    for key, most in BUTTON_LIMITS.items():
        value = element.get(key)
        size = len(_text_of(value)) if key == "text" else len(str(value or ""))
        if size > most:
            raise _too_long(error, most, f"{at}/{key}" + ("/text" if key == "text" else ""))


def iter_texts(node: Any) -> Iterator[str]:
    """Every string under a `text` key anywhere in a block tree (text objects, markdown, rich text)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from iter_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from iter_texts(item)


def _has_broadcast_element(node: Any) -> bool:
    # rich_text blocks encode mentions as typed elements rather than <!...> strings.
    if isinstance(node, dict):
        if node.get("type") in ("broadcast", "usergroup"):
            return True
        return any(_has_broadcast_element(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_broadcast_element(v) for v in node)
    return False


def _block_text(block: dict[str, Any]) -> str:
    text = block.get("text")
    if isinstance(text, dict):
        return str(text.get("text", ""))
    return text if isinstance(text, str) else ""


def _block_problems(blocks: list[dict[str, Any]]) -> Iterator[str]:
    if len(blocks) > MESSAGE_BLOCK_LIMIT:
        yield f"{len(blocks)} blocks (more than {MESSAGE_BLOCK_LIMIT})"
    for i, block in enumerate(blocks):
        size = len(_block_text(block))
        if block.get("type") == "section" and size > 3_000:
            yield f"section block {i} text is {size} chars (more than 3000)"
        if block.get("type") == "header" and size > 150:
            yield f"header block {i} text is {size} chars (more than 150)"
    if any(BROADCAST_RE.search(t) for t in iter_texts(blocks)) or _has_broadcast_element(blocks):
        yield "broadcast/subteam mention (<!channel>, <!here>, <!everyone>, <!subteam^...>) in blocks"


def audit_message(
    ws: Workspace,
    method: str,
    p: Params,
    text: str | None,
    blocks: list[dict[str, Any]] | None,
    *,
    text_limit: bool = True,
) -> None:
    """Record violations for a message the bot is sending (Slack itself would accept most of these)."""
    where = f"{method} to {p.text('channel')}"
    problems: list[str] = []
    if p.flag("link_names"):
        problems.append("link_names is set")
    if p.text("parse") == "full":
        problems.append('parse="full" is set')
    if text and text_limit and len(text) > SAFE_TEXT_LIMIT:
        problems.append(f"text is {len(text)} chars (more than {SAFE_TEXT_LIMIT})")
    if text and BROADCAST_RE.search(text):
        problems.append("broadcast/subteam mention (<!channel>, <!here>, <!everyone>, <!subteam^...>) in text")
    if blocks:
        problems.extend(_block_problems(blocks))
    for problem in problems:
        ws.violation(f"{where}: {problem}")


def audit_thread_ts(ws: Workspace, method: str, channel_id: str, thread_ts: str | None) -> None:
    """Record a violation when thread_ts is not a thread root (Slack tolerates it; the bot must not)."""
    if not thread_ts:
        return
    chan = ws.channels.get(channel_id)
    if chan is None or not chan.is_root(thread_ts):
        kind = "a reply, not the thread root" if chan and thread_ts in chan.msgs else "not a known message"
        ws.violation(f"{method} to {channel_id}: thread_ts {thread_ts} is {kind}")


def check_view(view: Any) -> dict[str, Any]:
    """Validate a view payload the way views.open/update/push/publish do; returns it as a dict."""
    if isinstance(view, str):
        try:
            view = json.loads(view)
        except ValueError as exc:
            raise ApiError("invalid_arguments", ["[ERROR] view is not valid JSON"]) from exc
    if not isinstance(view, dict) or not view.get("type"):
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: type [json-pointer:/view]"])
    blocks = view.get("blocks", [])
    if not isinstance(blocks, list) or any(not isinstance(b, dict) or "type" not in b for b in blocks):
        raise ApiError("invalid_arguments", ["[ERROR] invalid blocks [json-pointer:/view/blocks]"])
    enforce_block_count(blocks, VIEW_BLOCK_LIMIT, "/view/blocks", error="invalid_arguments")
    enforce_block_limits(blocks, "/view/blocks", error="invalid_arguments")
    if view["type"] == "modal":
        title = view.get("title")
        text = title.get("text", "") if isinstance(title, dict) else ""
        if not text:
            raise ApiError("invalid_arguments", ["[ERROR] missing required field: title [json-pointer:/view]"])
        for key in ("title", "submit", "close"):
            if len(_text_of(view.get(key))) > 24:
                raise _too_long("invalid_arguments", 24, f"/view/{key}/text")
    return view
