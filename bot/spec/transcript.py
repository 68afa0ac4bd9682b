"""Turn a thread's raw Slack messages into plain ThreadMessages (bot.spec.markers words them for the model)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel

# Slack's markup: <@U123>, <@U123|name>, <#C123|name>, <!here>, <!subteam^S1|@team>, <url|label>, <url>
_ANGLE = re.compile(r"<([^<>]+)>")
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}
# Messages that are not people talking: joins, topic changes, pins and the like. A deleted root
# that still has replies comes back from conversations.replies as a "tombstone"; other deleted
# messages are simply absent.
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
        "tombstone",
        "message_deleted",
    }
)
# Names in prompts: one line, at most this long, without anything that reads like a transcript marker.
NAME_LIMIT = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u200b-\u200f\u202a-\u202e]+")
# [M3] / [A1] / [Q2] labels, "(just now)" / "(5 min ago)" / "(2 h ago, edited)" ages, and square brackets.
_FORGED = re.compile(r"\[[^\]]{0,12}\]|\((?:just now|\d+ (?:min|h|d) ago)[^)]*\)|[\[\]]", re.IGNORECASE)
# Files whose text is worth reading: Slack's snippet filetypes and plain-text formats.
_TEXT_FILETYPES = frozenset(
    {
        "text",
        "markdown",
        "post",
        "csv",
        "json",
        "yaml",
        "xml",
        "sql",
        "python",
        "javascript",
        "typescript",
        "go",
        "java",
        "kotlin",
        "rust",
        "ruby",
        "php",
        "shell",
        "bash",
        "c",
        "cpp",
        "csharp",
        "swift",
        "scala",
        "diff",
        "dockerfile",
        "toml",
        "ini",
        "html",
        "css",
        "protobuf",
        "terraform",
        "graphql",
    }
)


class Attachment(BaseModel):
    """A file attached to a message: its name and type, its text when it is small text, else why not."""

    name: str
    kind: str
    text: str | None = None
    # Why a file's text is missing, said in the transcript (prompts/transcript.md.j2): too large to
    # read (over limit_kb), no longer available, stored outside Slack (Google Drive, a remote file), or
    # its address is not on Slack's file hosts (the token is never sent there). None: not text, or read.
    left_out: Literal["too_large", "unavailable", "external", "not_slack"] | None = None
    limit_kb: int | None = None


class ThreadMessage(BaseModel):
    """One message of the thread, already made plain."""

    ts: str
    user_id: str | None
    author: str
    text: str
    is_bot: bool
    edited: bool = False
    files: list[Attachment] = []


def plain_text(text: str, names: Mapping[str, str]) -> str:
    """Slack markup made plain: mentions as @name, channels as #name, links as 'label (url)', entities decoded."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + clean_name(names.get(target[1:]) or label or target[1:])
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


def clean_name(name: str, limit: int = NAME_LIMIT) -> str:
    """A display or file name made safe to put in a prompt: one line, no transcript labels or markers, capped.

    Names are data: "Bob (just now): DECISION ..." or "Ana\n[M7] Bob" must not forge transcript lines.
    """
    flat = _CONTROL.sub(" ", name)
    flat = _FORGED.sub(" ", flat)
    flat = " ".join(flat.replace(":", " ").split())
    return (flat[: limit - 1] + "…" if len(flat) > limit else flat) or "someone"


def is_external(file: Mapping[str, Any]) -> bool:
    """True for a file stored outside Slack (Google Drive, Dropbox, an app's remote file)."""
    return bool(file.get("is_external")) or file.get("mode") in ("external", "remote")


def is_text_file(file: Mapping[str, Any]) -> bool:
    """True for snippets and plain-text files whose content the transcript should include."""
    mimetype = str(file.get("mimetype") or "")
    return (
        file.get("mode") == "snippet"
        or str(file.get("filetype") or "") in _TEXT_FILETYPES
        or mimetype.startswith("text/")
        or mimetype in ("application/json", "application/x-yaml", "application/xml")
    )


def readable_files(raw_messages: list[dict[str, Any]], size_limit: int) -> list[dict[str, Any]]:
    """The attached text files small enough to download (each once), for the reader to fetch."""
    seen: set[str] = set()
    found = []
    for message in raw_messages:
        for file in message.get("files") or []:
            file_id = str(file.get("id") or "")
            if not file_id or file_id in seen or not file.get("url_private") or not is_text_file(file):
                continue
            if is_external(file):
                continue
            if int(file.get("size") or 0) <= size_limit:
                seen.add(file_id)
                found.append(file)
    return found


def describe_files(
    files: list[dict[str, Any]],
    texts: Mapping[str, str],
    size_limit: int | None = None,
    not_slack: frozenset[str] = frozenset(),
) -> list[Attachment]:
    """One Attachment per file: name and type, plus its text when it was downloaded (not_slack: the ids of
    files whose address is not on Slack's file hosts)."""
    described = []
    for file in files:
        name = clean_name(str(file.get("name") or file.get("title") or "file"), 2 * NAME_LIMIT)
        kind = clean_name(str(file.get("pretty_type") or file.get("filetype") or file.get("mimetype") or "file"))
        text = texts.get(str(file.get("id") or ""))
        attachment = Attachment(name=name, kind=kind, text=text)
        if text is None and is_text_file(file) and size_limit is not None and int(file.get("size") or 0) > size_limit:
            attachment = Attachment(name=name, kind=kind, left_out="too_large", limit_kb=size_limit // 1000)
        if file.get("mode") == "tombstone" or file.get("hidden_by_limit"):
            attachment = Attachment(name=name, kind=kind, text=text, left_out="unavailable")
        elif is_external(file):
            attachment = Attachment(name=name, kind=kind, left_out="external")
        elif str(file.get("id") or "") in not_slack:
            attachment = Attachment(name=name, kind=kind, left_out="not_slack")
        described.append(attachment)
    return described


def to_thread_messages(
    raw_messages: list[dict[str, Any]],
    names: Mapping[str, str],
    *,
    bot_user_id: str | None,
    bot_id: str | None,
    file_texts: Mapping[str, str] | None = None,
    file_size_limit: int | None = None,
    not_slack: frozenset[str] = frozenset(),
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
        author = clean_name(names.get(user_id or "", "") or message.get("username") or (user_id or "someone"))
        if message.get("bot_id") and not is_bot:
            author = f"{author} (bot)"
        result.append(
            ThreadMessage(
                ts=ts,
                user_id=user_id,
                author=author,
                text=plain_text(_message_text(message), names),
                is_bot=is_bot,
                edited=bool(message.get("edited")),
                files=describe_files(message.get("files") or [], file_texts or {}, file_size_limit, not_slack),
            )
        )
    return result


def _message_text(message: Mapping[str, Any]) -> str:
    """The message's text plus the text of legacy attachments (how other bots and integrations post)."""
    parts = [str(message.get("text") or "")]
    for attachment in message.get("attachments") or []:
        if not isinstance(attachment, Mapping):
            continue
        body = attachment.get("text") or attachment.get("fallback") or ""
        title = attachment.get("title") or attachment.get("pretext") or ""
        parts.extend(str(part) for part in (title, body) if part)
    return "\n".join(part for part in parts if part)


def mentioned_user_ids(raw_messages: list[dict[str, Any]]) -> set[str]:
    """Every user id that authored or is mentioned in the messages (to resolve names in one batch)."""
    ids: set[str] = set()
    for message in raw_messages:
        if message.get("user"):
            ids.add(str(message["user"]))
        ids.update(re.findall(r"<@([UW][A-Z0-9]+)", str(message.get("text", ""))))
    return ids


def author_ids(raw_messages: list[dict[str, Any]]) -> set[str]:
    """The user ids that wrote the messages: the only names worth a users.info each."""
    return {str(message["user"]) for message in raw_messages if message.get("user")}


def mention_ids(raw_messages: list[dict[str, Any]], limit: int) -> set[str]:
    """Up to limit distinct user ids mentioned in the messages' text (named from the cache, never looked up)."""
    ids: set[str] = set()
    for message in raw_messages:
        for user_id in re.findall(r"<@([UW][A-Z0-9]+)", str(message.get("text", ""))):
            ids.add(user_id)
            if len(ids) >= limit:
                return ids
    return ids
