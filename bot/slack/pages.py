"""Reading a thread one page at a time, without sleeping out Slack's 429s in the client.

An app distributed outside the Slack Marketplace reads conversations.replies at one call a minute
per workspace, 15 messages a page. The client's usual rate-limit handler would sleep Retry-After in
the worker; here a 429 is raised at once, so the caller can save its place and come back later.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler

from bot.errors import SlackRateLimitedError


class ThreadPage(BaseModel):
    """One page of conversations.replies: its messages and the cursor of the next page ("" at the end)."""

    messages: list[dict[str, Any]]
    next_cursor: str = ""


def retry_after(exc: SlackApiError, default: float = 60.0) -> float:
    """The seconds a 429 asks to wait (Slack sends whole seconds in Retry-After)."""
    headers = getattr(exc.response, "headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else default
    except (TypeError, ValueError):
        return default


def without_waits(client: WebClient) -> WebClient:
    """A client like this one (token, URL, timeout, retries) minus the handler that sleeps out 429s."""
    handlers = [h for h in client.retry_handlers if not isinstance(h, RateLimitErrorRetryHandler)]
    return type(client)(token=client.token, base_url=client.base_url, timeout=client.timeout, retry_handlers=handlers)


def fetch_page(
    client: WebClient, channel: str, ts: str, *, limit: int, cursor: str | None, oldest: str | None
) -> ThreadPage:
    """One page of the thread; a 429 raises SlackRateLimitedError (any other failure, SlackApiError)."""
    # `oldest` is exclusive unless `inclusive` is sent: only what came after it. The parent comes first
    # on every page without a cursor, whatever `oldest` says. A cursor belongs to the query it came
    # from, so the caller sends the same `oldest` with it.
    try:
        # The SDK leaves out arguments that are None.
        response = client.conversations_replies(channel=channel, ts=ts, limit=limit, cursor=cursor, oldest=oldest)
    except SlackApiError as exc:
        if getattr(exc.response, "status_code", None) == 429:
            raise SlackRateLimitedError("conversations.replies", retry_after(exc)) from exc
        raise
    meta = response.get("response_metadata") or {}
    return ThreadPage(messages=list(response.get("messages") or []), next_cursor=str(meta.get("next_cursor") or ""))
