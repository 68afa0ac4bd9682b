"""Every Redis key the bot uses, built and parsed only here, with the TTL each record keeps.

The formats are stable across releases: sessions live for days and queued jobs carry session keys
as their arguments, so a running deployment's data must still be found after an upgrade.
"""

from __future__ import annotations

import hashlib

from pydantic import BaseModel

PREFIX = "techspec"

# How long after a session expires a reply or mention in its thread is still told so.
HISTORY_GRACE_SECONDS = 30 * 24 * 3600
# Display names change rarely; a day keeps a thread's reading to one users.info per new author.
NAME_TTL_SECONDS = 24 * 3600
# A person's recent specs on the App Home tab.
RECENT_TTL_SECONDS = 90 * 24 * 3600


class ThreadRef(BaseModel):
    """The thread a session belongs to: workspace, channel and the root message's ts."""

    team_id: str
    channel_id: str
    thread_ts: str


def session_key(team_id: str, channel_id: str, thread_ts: str) -> str:
    """Key of the session record for a thread."""
    return f"{PREFIX}:session:{team_id}:{channel_id}:{thread_ts}"


def is_session_key(value: object) -> bool:
    """True for a string built by session_key (job arguments are checked with it)."""
    return isinstance(value, str) and value.startswith(f"{PREFIX}:session:") and value.count(":") == 4


def parse_session_key(key: str) -> ThreadRef:
    """The thread a session key names (the inverse of session_key)."""
    if not is_session_key(key):
        raise ValueError(f"not a session key: {key[:80]}")
    _, _, team_id, channel_id, thread_ts = key.split(":", 4)
    return ThreadRef(team_id=team_id, channel_id=channel_id, thread_ts=thread_ts)


def _sibling(session_key_: str, kind: str) -> str:
    """A per-session record's key: the session key with its kind swapped."""
    return session_key_.replace(":session:", f":{kind}:", 1)


def replies_key(session_key_: str) -> str:
    """Key of the hash of replies (ts -> Reply JSON) recorded for a session."""
    return _sibling(session_key_, "replies")


def history_key(session_key_: str) -> str:
    """Key remembering a session's last phase for a while after the session itself expired."""
    return _sibling(session_key_, "history")


def lock_key(session_key_: str) -> str:
    """Key of the lease held by the one job working on a session."""
    return _sibling(session_key_, "lock")


def attempts_key(session_key_: str) -> str:
    """Key of the counter that makes each retry of a session's step a new job id."""
    return _sibling(session_key_, "attempts")


def trigger_key(channel_id: str, message_ts: str) -> str:
    """Key marking a triggering message as handled (a mention arrives as two events, and Slack retries)."""
    return f"{PREFIX}:trigger:{channel_id}:{message_ts}"


def name_key(user_id: str) -> str:
    """Key of one cached display name."""
    return f"{PREFIX}:user:{user_id}"


def recent_key(team_id: str, user_id: str) -> str:
    """Key of a person's recent specs (a sorted set, newest last)."""
    return f"{PREFIX}:recent:{team_id}:{user_id}"


def marker_key(kind: str, session_key_: str, *parts: object) -> str:
    """Key of a once-only marker for a session ("replaced" notices, "reminded")."""
    digest = hashlib.sha1(session_key_.encode()).hexdigest()[:20]  # noqa: S324 - a name, not a secret
    return ":".join([PREFIX, kind, digest, *(str(p) for p in parts)])


# What an OpenAI-compatible endpoint was found to accept; a day, so a server upgrade is noticed.
CAPABILITY_TTL_SECONDS = 24 * 3600


def capability_key(endpoint: str, model: str) -> str:
    """Key of the negotiated capability of one endpoint and model (hashed: URLs hold any characters)."""
    digest = hashlib.sha256(f"{endpoint}\n{model}".encode()).hexdigest()[:32]
    return f"{PREFIX}:capability:{digest}"
