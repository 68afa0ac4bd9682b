"""Slack's error codes, and what a person can do about each."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.errors import SlackAccessError

# What a person can do about each access error Slack can return.
ACCESS_FIXES: dict[str, str] = {
    "not_in_channel": "I'm not in this channel. Invite me with `/invite @techspec` and try again.",
    "channel_not_found": "I can't see that channel. If it is private, invite me with `/invite @techspec`.",
    "is_archived": "That channel is archived, so I can't post there.",
    "missing_scope": "I'm missing a Slack permission. Ask a workspace admin to reinstall the app.",
    "not_allowed_token_type": "I'm installed with the wrong token type. Ask an admin to reinstall the app.",
    "invalid_auth": "My Slack token was rejected. Ask an admin to check my token or reinstall the app.",
    "account_inactive": "My Slack token was revoked. Ask an admin to reinstall the app.",
    "thread_not_found": "I couldn't find that message; it may have been deleted.",
    "message_not_found": "I couldn't find that message; it may have been deleted.",
}


def slack_error_code(exc: SlackApiError) -> str:
    """The `error` field of a failed Web API response ('http_<status>' when there is none)."""
    data = getattr(exc.response, "data", None)
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return f"http_{getattr(exc.response, 'status_code', 'error')}"


def as_access_error(exc: SlackApiError) -> SlackAccessError:
    """Turn a Slack error into one with a sentence naming the fix."""
    code = slack_error_code(exc)
    fix = ACCESS_FIXES.get(code, f"Slack returned `{code}`.")
    return SlackAccessError(code, user_message=fix)
