"""Forgetting: `/techspec forget <link>` for one thread, and Slack's lifecycle events for a workspace or channel.

These run in the web process right after the ack, not as queued jobs: a job would itself store the
thread's ids (its arguments and result) in Redis, the very thing being deleted.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.errors import TechspecError, ThreadUnavailableError
from bot.flow.trigger import Outcome
from bot.slack.failures import as_access_error
from bot.spec.permalinks import parse_permalink
from bot.spec.tenancy import TenantRef
from bot.store.forget import Forgetter, Scope
from bot.store.installations import RedisInstallationStore
from bot.store.workspace_settings import WorkspaceSettingsStore
from bot.wiring import Runtime

log = logging.getLogger(__name__)
# How long a forget waits for a step of that thread that was running to stop, to delete what it wrote.
SETTLE_SECONDS = 30.0
FORGET_USAGE = (
    "To make me forget a thread, run `/techspec forget <link to a message of the thread>` "
    "(copy the link from the message's ⋮ menu). I'll delete everything I stored about it."
)
FORGET_REFUSED = (
    "You're not a member of that channel, so I won't touch what I stored about that thread. "
    "Someone who can read the channel can run `/techspec forget <link>`."
)
FORGOTTEN = (
    ":wastebasket: Done: I've deleted everything I stored about that thread ({records}): its session, "
    "recorded answers, history, queued and finished jobs and caches. The messages in the thread, my "
    "questions and the spec included, are Slack's: delete them there if they should go too."
)


def is_forget(text: str) -> bool:
    """True for `/techspec forget …`."""
    # "forget" as the first word is the command even without a link ("forget that thread" gets its usage,
    # never a spec about forgetting); "Forget-password flow" is a different first word, so a topic.
    words = text.strip().split(maxsplit=1)
    return bool(words) and words[0].lower() == "forget"


def forget_command(rt: Runtime, body: dict[str, Any]) -> Outcome:
    """`/techspec forget <link>`: check the person can read that channel, delete the thread's records, confirm
    privately (through the command's response_url)."""
    response_url = str(body.get("response_url") or "")
    try:
        text = _forget_thread(rt, body)
    except TechspecError as exc:
        text = exc.user_message
    except SlackApiError as exc:
        text = as_access_error(exc).user_message
    rt.slack.respond(response_url, text)
    return "started" if text.startswith(":wastebasket:") else "ignored"


def _forget_thread(rt: Runtime, body: dict[str, Any]) -> str:
    link = parse_permalink(str(body.get("text") or "").strip()[len("forget") :].strip())
    if link is None:
        return FORGET_USAGE
    if not rt.slack.is_member(link.channel_id, str(body.get("user_id") or "")):
        return FORGET_REFUSED
    thread_ts = link.thread_ts or _root(rt, link.channel_id, link.ts)
    scope = Scope(str(body.get("team_id") or ""), link.channel_id, thread_ts)
    result = Forgetter(rt.redis).forget_settled(scope, SETTLE_SECONDS)
    if link.ts != thread_ts:  # a link to a reply of a thread whose root was deleted: forget under that ts too
        result.keys += Forgetter(rt.redis).forget(Scope(scope.team_id, link.channel_id, link.ts)).keys
    records = f"{result.keys + result.jobs} record{'s' if result.keys + result.jobs != 1 else ''}"
    return FORGOTTEN.format(records=records)


def _root(rt: Runtime, channel_id: str, ts: str) -> str:
    """The root of the thread holding ts; ts itself when Slack no longer has the message."""
    try:
        return rt.slack.thread_root(channel_id, ts)
    except ThreadUnavailableError:
        return ts


def uninstall(rt: Runtime, tenant: TenantRef) -> Outcome:
    """`app_uninstalled` / `tokens_revoked`: delete the installation (OAuth), then everything stored about
    the workspace; for an org-wide install, about every workspace of the org."""
    if not tenant.team_id and not tenant.enterprise_id:
        return "ignored"
    org = tenant.org_install and tenant.enterprise_id
    # The installation first: a job still running for the workspace finds no token and stops quietly.
    RedisInstallationStore(rt.redis, None).delete_all(
        enterprise_id=tenant.enterprise_id, team_id=None if org else tenant.team_id
    )
    forgetter = Forgetter(rt.redis)
    scopes = forgetter.org_scopes(tenant.enterprise_id) if org and tenant.enterprise_id else [tenant.scope]
    for scope in scopes:
        result = forgetter.forget_settled(Scope(scope), SETTLE_SECONDS)
        # Its settings hold its model key: deleted by name too, whatever the scan matched.
        WorkspaceSettingsStore(rt.redis).delete(scope)
        log.info("workspace forgotten", extra={"keys": result.keys, "jobs": result.jobs})
    return "started"


def forget_workspace_data(rt: Runtime, scope: str) -> Outcome:
    """`team_access_revoked`: one workspace left an org-wide install; delete everything stored about it
    (its scope), keeping the org's installation for the workspaces that still use it."""
    if not scope:
        return "ignored"
    result = Forgetter(rt.redis).forget_settled(Scope(scope), SETTLE_SECONDS)
    WorkspaceSettingsStore(rt.redis).delete(scope)
    log.info("workspace forgotten", extra={"keys": result.keys, "jobs": result.jobs})
    return "started"


def revoked_users_only(event: dict[str, Any]) -> list[str] | None:
    """The people whose tokens a `tokens_revoked` revoked, when it revoked no bot token; else None."""
    if event.get("type") != "tokens_revoked":
        return None
    tokens = event.get("tokens") or {}
    if tokens.get("bot"):
        return None
    return [str(user) for user in tokens.get("oauth") or []]


def forget_user_tokens(rt: Runtime, tenant: TenantRef, users: list[str]) -> Outcome:
    """`tokens_revoked` for people's tokens only: their installations go; the bot and the data stay."""
    org = tenant.org_install and tenant.enterprise_id
    store = RedisInstallationStore(rt.redis, None)
    for user in users:
        store.delete_installation(
            enterprise_id=tenant.enterprise_id, team_id=None if org else tenant.team_id, user_id=user
        )
    log.info("people's tokens revoked", extra={"people": len(users)})
    return "ignored"


def forget_channel(rt: Runtime, team_id: str, channel_id: str) -> Outcome:
    """`channel_deleted` / `group_deleted`: delete everything stored about the channel."""
    if not team_id or not channel_id:
        return "ignored"
    result = Forgetter(rt.redis).forget_settled(Scope(team_id, channel_id), SETTLE_SECONDS)
    log.info("channel forgotten", extra={"keys": result.keys, "jobs": result.jobs})
    return "started"
