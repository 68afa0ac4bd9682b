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


def same_workspace(link: MessageLink, workspace_url: str) -> bool:
    """True when the link is on this workspace's Slack domain (auth.test's url)."""
    return bool(link.host) and link.host == (urlparse(workspace_url).hostname or "").lower()


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
