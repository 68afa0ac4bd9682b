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


def attributions_key(session_key_: str) -> str:
    """Key of the hash of cached reply attributions (reply ts + text digest -> Attribution JSON)."""
    return _sibling(session_key_, "attributions")


def history_key(session_key_: str) -> str:
    """Key remembering a session's last phase for a while after the session itself expired."""
    return _sibling(session_key_, "history")


def thread_copy_key(session_key_: str) -> str:
    """Key of the thread as read so far (redacted messages, where the read stands), kept between pages and
    for the next version's read of only what is new; it lives as long as the session (the session TTL)."""
    return _sibling(session_key_, "threadcopy")


def lock_key(session_key_: str) -> str:
    """Key of the lease held by the one job working on a session."""
    return _sibling(session_key_, "lock")


def attempts_key(session_key_: str) -> str:
    """Key of the counter that makes each retry of a session's step a new job id."""
    return _sibling(session_key_, "attempts")


def trigger_key(scope: str, channel_id: str, message_ts: str) -> str:
    """Key marking a triggering message as handled (a mention arrives as two events, and Slack retries), per
    tenant: a Slack Connect channel has the same id in both organisations, and each handles its own."""
    return f"{PREFIX}:trigger:{scope}:{channel_id}:{message_ts}"


def legacy_trigger_key(channel_id: str, message_ts: str) -> str:
    """A trigger mark as releases before per-tenant marks wrote it (still honoured until it expires)."""
    return f"{PREFIX}:trigger:{channel_id}:{message_ts}"


def name_key(user_id: str, scope: str = "") -> str:
    """Key of one cached display name, per workspace (scope; "" for the one workspace of SLACK_BOT_TOKEN)."""
    return f"{PREFIX}:user:{scope}:{user_id}" if scope else f"{PREFIX}:user:{user_id}"


def recent_key(team_id: str, user_id: str) -> str:
    """Key of a person's recent specs (a sorted set, newest last)."""
    return f"{PREFIX}:recent:{team_id}:{user_id}"


def session_digest(session_key_: str) -> str:
    """A short fixed-length name for a session (in marker keys and RQ job ids, which limit their characters)."""
    return hashlib.sha1(session_key_.encode()).hexdigest()[:20]  # noqa: S324 - a name, not a secret


def marker_key(kind: str, session_key_: str, *parts: object) -> str:
    """Key of a once-only marker for a session ("replaced" notices, "reminded")."""
    return ":".join([PREFIX, kind, session_digest(session_key_), *(str(p) for p in parts)])


# -- finding a thread's, a channel's or a workspace's keys again (to forget them) -------------------------


def family_pattern(team_id: str, channel_id: str | None = None, thread_ts: str | None = None) -> str:
    """SCAN pattern for the per-thread records (session, replies, history, lock, attempts) of a workspace,
    one of its channels, or one thread; the ids are glob-escaped."""
    parts = [team_id, channel_id, thread_ts]
    given = [_glob_escape(p) for p in parts if p is not None]
    tail = ":".join(given) + ("" if thread_ts is not None else ":*")
    return f"{PREFIX}:*:{tail}"


def is_family_key(key: str) -> bool:
    """True for a per-thread record: kind, team, channel and thread ts after the prefix (a trigger mark has
    as many parts, but names a message or a click, not a thread's record)."""
    return key.startswith(f"{PREFIX}:") and key.count(":") == 4 and not key.startswith(f"{PREFIX}:trigger:")


def session_key_of(key: str) -> str:
    """The session key a per-thread record belongs to (its kind swapped back to `session`)."""
    _, kind, rest = key.split(":", 2)
    return f"{PREFIX}:session:{rest}"


def trigger_pattern(scope: str, channel_id: str | None = None) -> str:
    """SCAN pattern for the trigger marks of a tenant, or of one of its channels."""
    if channel_id is None:
        return f"{PREFIX}:trigger:{_glob_escape(scope)}:*"
    return f"{PREFIX}:trigger:{_glob_escape(scope)}:{_glob_escape(channel_id)}:*"


def legacy_trigger_pattern(channel_id: str | None = None) -> str:
    """SCAN pattern for the trigger marks written before they were per tenant (a channel's, or every one)."""
    return f"{PREFIX}:trigger:{_glob_escape(channel_id)}:*" if channel_id else f"{PREFIX}:trigger:*"


def marker_pattern(session_key_: str) -> str:
    """SCAN pattern for the once-only markers of one session, whatever their kind."""
    return f"{PREFIX}:*:{session_digest(session_key_)}*"


def recent_pattern(team_id: str) -> str:
    """SCAN pattern for every person's recent specs in a workspace."""
    return f"{PREFIX}:recent:{_glob_escape(team_id)}:*"


def name_pattern(scope: str = "") -> str:
    """SCAN pattern for a workspace's cached display names ("": the one bot token's, with no scope in the key)."""
    return f"{PREFIX}:user:{_glob_escape(scope)}:*" if scope else f"{PREFIX}:user:*"


def _glob_escape(value: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in value)


# -- fair use: admission slots, start history, spend, admin flags, refusal notices -------------------

# A session holds its active slot for at most this long after its last move: a question round nobody
# touched for a day (the reminder has gone out by then) stops counting against the person's limits,
# and a session lost without a transition (expired, forgotten) frees its slot by itself.
SLOT_HOLD_SECONDS = 24 * 3600
# The window of the new-sessions-per-hour limit.
START_WINDOW_SECONDS = 3600
# Day counters are kept a little over a month, month counters a little over a year (for comparisons).
USAGE_DAY_TTL_SECONDS = 40 * 24 * 3600
USAGE_MONTH_TTL_SECONDS = 400 * 24 * 3600
# Whether someone is a workspace admin or owner changes rarely; an hour bounds users.info for the Home tab.
ADMIN_TTL_SECONDS = 3600
MEMBER_TTL_SECONDS = 24 * 3600  # inside the tenant's organisation or not (Slack Connect): rarely changes


def slots_key(scope: str, *parts: str) -> str:
    """Key of the sorted set of sessions holding an active slot in one scope (member: session key,
    score: when the slot frees by itself). scope is "user", "channel" or "team"."""
    return ":".join([PREFIX, "slots", scope, *parts])


def slots_pattern() -> str:
    """SCAN pattern for every active-slot set (their members name sessions, so forgetting looks inside)."""
    return f"{PREFIX}:slots:*"


def starts_pattern(team_id: str) -> str:
    """SCAN pattern for every person's start history in a workspace (members name sessions)."""
    return f"{PREFIX}:starts:{_glob_escape(team_id)}:*"


def starts_key(team_id: str, user_id: str) -> str:
    """Key of the sorted set of a person's session starts in the last hour (score: when)."""
    return f"{PREFIX}:starts:{team_id}:{user_id}"


def usage_key(team_id: str, period: str) -> str:
    """Key of a workspace's model usage for one period ("2026-11" or "2026-11-30"): a hash of counters."""
    return f"{PREFIX}:usage:{team_id}:{period}"


def admin_key(team_id: str, user_id: str, kind: str = "admin") -> str:
    """Key caching a yes/no about a person ("1" or "0"): a workspace admin or owner ("admin"), or inside the
    tenant's organisation ("member", Slack Connect)."""
    return f"{PREFIX}:{kind}:{team_id}:{user_id}"


def notice_key(team_id: str, user_id: str, reason: str) -> str:
    """Key marking that a person was just told about a refusal (so a flood of requests gets one notice)."""
    return f"{PREFIX}:notice:{team_id}:{user_id}:{reason}"


def signature_warning_key(queue_prefix: str) -> str:
    """Key marking that some web process warned about bad signatures this minute (one warning for all)."""
    return f"{queue_prefix}:signature-warned"


def shard_queue_name(prefix: str, shard: int) -> str:
    """Name of one of the RQ shard queues (RQ stores it under rq:queue:<name>)."""
    return f"{prefix}:shard:{shard}"


def is_shard_queue_name(prefix: str, name: str) -> bool:
    """True for a name built by shard_queue_name with this prefix (workers find older shard sets by it)."""
    head, _, number = name.rpartition(":")
    return head == f"{prefix}:shard" and number.isdigit()


# What an OpenAI-compatible endpoint was found to accept; a day, so a server upgrade is noticed.
CAPABILITY_TTL_SECONDS = 24 * 3600


def capability_pattern() -> str:
    """SCAN pattern for every remembered endpoint capability (no ids; forgotten with the workspace)."""
    return f"{PREFIX}:capability:*"


def capability_key(endpoint: str, model: str) -> str:
    """Key of the negotiated capability of one endpoint and model (hashed: URLs hold any characters)."""
    digest = hashlib.sha256(f"{endpoint}\n{model}".encode()).hexdigest()[:32]
    return f"{PREFIX}:capability:{digest}"


# -- installations (OAuth): one record per workspace or org-wide install, tokens sealed ----------------

OAUTH_STATE_TTL_SECONDS = 600  # a browser's OAuth `state`, /slack/install -> /slack/oauth_redirect: single use


def installation_key(tenant: str, kind: str, user_id: str | None = None) -> str:
    """Key of an installation record (tenant: team id, or enterprise id if org-wide; kind: "bot" or "installer")."""
    return ":".join([PREFIX, "installation", tenant, kind, *([user_id] if user_id else [])])


def installation_pattern(tenant: str) -> str:
    """SCAN pattern for every installation record of a tenant (bot, installer, each user's)."""
    return f"{PREFIX}:installation:{_glob_escape(tenant)}:*"


def oauth_state_key(state: str) -> str:
    """Key of an issued OAuth state (deleted when consumed)."""
    return f"{PREFIX}:oauth-state:{state}"


def rotation_lock_key(tenant: str) -> str:
    """Key of the lock held while a tenant's token is refreshed."""
    return f"{PREFIX}:rotation-lock:{tenant}"


def workspace_settings_key(scope: str) -> str:
    """Key of a workspace's settings (JSON of bot.config.workspaces.WorkspaceSettings). No TTL: an admin's
    choices last until they change them or the workspace is forgotten (uninstall deletes it)."""
    return f"{PREFIX}:wsettings:{scope}"


def workspace_settings_pattern() -> str:
    """SCAN pattern for every workspace's settings (to seal their keys again after a key rotation)."""
    return f"{PREFIX}:wsettings:*"


# A forgotten thread or channel refuses, this long, requests from messages sent before it was forgotten (a late or
# duplicate delivery would otherwise start it again); after that Slack no longer retries them.
FORGOTTEN_TTL_SECONDS = 3600


def forgotten_key(team_id: str, *ids: str) -> str:
    """Key of the time a thread (channel, ts) or channel of a workspace was forgotten; the ids hashed, so it
    names no thread (the workspace's own forget deletes it with the rest)."""
    digest = hashlib.sha256(":".join(ids).encode()).hexdigest()[:32]
    return f"{PREFIX}:forgotten:{team_id}:{digest}"
