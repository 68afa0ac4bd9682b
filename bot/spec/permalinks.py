"""Slack message links: parse the ones people paste, build the ones the spec cites."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from pydantic import BaseModel

_PATH = re.compile(r"/archives/([CGD][A-Z0-9]+)/p(\d{10})(\d{6})")


class MessageLink(BaseModel):
    """The channel and message a permalink points at, and its thread root when the link names one."""

    channel_id: str
    ts: str
    thread_ts: str | None
    host: str = ""  # the workspace's Slack domain the link is on, e.g. acme.slack.com


def parse_permalink(text: str) -> MessageLink | None:
    """Read a permalink from command text (bare, or wrapped as <url> or <url|label>); None if there is none."""
    candidate = text.strip()
    wrapped = re.search(r"<(https?://[^>|]+)(?:\|[^>]*)?>", candidate)
    if wrapped:
        candidate = wrapped.group(1)
    url = urlparse(candidate.split()[0]) if candidate else None
    if url is None or url.scheme not in ("http", "https"):
        return None
    match = _PATH.search(url.path)
    if not match:
        return None
    # p1732400000000100 is ts 1732400000.000100 with the dot removed.
    ts = f"{match.group(2)}.{match.group(3)}"
    thread = parse_qs(url.query).get("thread_ts", [None])[0]
    if thread is not None and not re.fullmatch(r"\d{10}\.\d{6}", thread):
        thread = None  # not a Slack ts: find the root from the message itself
    return MessageLink(channel_id=match.group(1), ts=ts, thread_ts=thread, host=(url.hostname or "").lower())


def is_same_host(host: str, other: str) -> bool:
    """True when two Slack hosts name the same workspace (acme.slack.com, or a Grid workspace's
    acme.enterprise.slack.com); only for wording a refusal: whether a link is readable is the channel's call."""
    return bool(host) and host.lower().removeprefix("www.") == other.lower().removeprefix("www.")


def looks_like_link(text: str) -> bool:
    """True when the command text is a URL (so a bad link is reported, not taken as a topic)."""
    stripped = text.strip().lstrip("<")
    return stripped.startswith(("http://", "https://"))


def build_permalink(workspace_url: str, channel_id: str, ts: str, thread_ts: str | None) -> str:
    """A permalink to a message, built from the workspace URL (no API call per message)."""
    base = workspace_url if workspace_url.endswith("/") else workspace_url + "/"
    link = f"{base}archives/{channel_id}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel_id}"
    return link
