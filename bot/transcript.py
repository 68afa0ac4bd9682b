"""Turn a thread's raw Slack messages into a plain, numbered transcript for the model."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

# Slack's markup: <@U123>, <@U123|name>, <#C123|name>, <!here>, <!subteam^S1|@team>, <url|label>, <url>
_ANGLE = re.compile(r"<([^<>]+)>")
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}
# Messages that are not people talking: joins, topic changes, pins and the like.
_NOISE_SUBTYPES = frozenset(
    {
        "channel_join",
        "channel_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "pinned_item",
        "unpinned_item",
        "group_join",
        "group_leave",
        "reminder_add",
    }
)


class ThreadMessage(BaseModel):
    """One message of the thread, already made plain."""

    ts: str
    user_id: str | None
    author: str
    text: str
    is_bot: bool
    files: list[str] = []


def plain_text(text: str, names: Mapping[str, str]) -> str:
    """Slack markup made plain: mentions as @name, channels as #name, links as 'label (url)', entities decoded."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + (names.get(target[1:]) or label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            keyword = target[1:].split("^", 1)[0]
            if keyword == "subteam":
                return label or "@team"
            if keyword == "date":
                return label or "a date"
            return _SPECIAL.get(keyword, label or keyword)
        if label and label != target:
            return f"{label} ({target})"
        return target.removeprefix("mailto:")

    # Decode entities after resolving markup: Slack escapes only &, < and > and "&lt;" is literal text.
    return html.unescape(_ANGLE.sub(replace, text))


def describe_files(files: list[dict[str, Any]]) -> list[str]:
    """One short line per attached file: its name and type."""
    described = []
    for file in files:
        name = file.get("name") or file.get("title") or "file"
        kind = file.get("pretty_type") or file.get("filetype") or file.get("mimetype") or "file"
        described.append(f"{name} ({kind})")
    return described


def to_thread_messages(
    raw_messages: list[dict[str, Any]],
    names: Mapping[str, str],
    *,
    bot_user_id: str | None,
    bot_id: str | None,
) -> list[ThreadMessage]:
    """Convert conversations.replies messages to ThreadMessages, dropping channel noise and duplicates."""
    seen: set[str] = set()
    result: list[ThreadMessage] = []
    for message in raw_messages:
        ts = str(message.get("ts", ""))
        if not ts or ts in seen or message.get("subtype") in _NOISE_SUBTYPES:
            continue
        seen.add(ts)  # a thread_broadcast can appear twice across pages; keep it once
        user_id = message.get("user")
        is_bot = bool((bot_user_id and user_id == bot_user_id) or (bot_id and message.get("bot_id") == bot_id))
        author = names.get(user_id or "", "") or message.get("username") or (user_id or "someone")
        if message.get("bot_id") and not is_bot:
            author = f"{author} (bot)"
        result.append(
            ThreadMessage(
                ts=ts,
                user_id=user_id,
                author=author,
                text=plain_text(str(message.get("text", "")), names),
                is_bot=is_bot,
                files=describe_files(message.get("files") or []),
            )
        )
    return result


def mentioned_user_ids(raw_messages: list[dict[str, Any]]) -> set[str]:
    """Every user id that authored or is mentioned in the messages (to resolve names in one batch)."""
    ids: set[str] = set()
    for message in raw_messages:
        if message.get("user"):
            ids.add(str(message["user"]))
        ids.update(re.findall(r"<@([UW][A-Z0-9]+)", str(message.get("text", ""))))
    return ids


def relative_age(ts: str, now: float) -> str:
    """'just now', '5 min ago', '3 h ago', '2 d ago' for a Slack ts."""
    seconds = max(0.0, now - float(ts))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} d ago"


def format_line(label: str, message: ThreadMessage, now: float) -> str:
    """One transcript entry: '[M3] Ana (2 h ago): text', files listed after the text."""
    body = message.text.strip() or "(no text)"
    if message.files:
        body += "\n  attached: " + "; ".join(message.files)
    return f"[{label}] {message.author} ({relative_age(message.ts, now)}): {body}"
