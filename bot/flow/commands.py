"""`/techspec` arguments: a message link (that thread) or a few words (a new thread).

The web process only acks and queues the command; membership checks, reading the link's thread and
posting a new root happen on the worker, so the ack never waits on Slack.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import redis
from slack_sdk.errors import SlackApiError

from bot.errors import SlackAccessError, TechspecError
from bot.flow.admission import admit_command, preview_refusal
from bot.flow.intake import handle_trigger
from bot.flow.trigger import Outcome, Trigger
from bot.slack import texts
from bot.slack.failures import as_access_error
from bot.spec.permalinks import MessageLink, is_same_host, looks_like_link, parse_permalink
from bot.spec.redaction import redact_text
from bot.spec.tenancy import parse_tenant_scope
from bot.store.queue import JobKind, job_id, tenant_of
from bot.wiring import Runtime

NOT_A_MEMBER = (
    "You're not a member of that channel, so I won't read that thread. "
    "Run `/techspec` with a link from a channel you're in."
)
BAD_LINK = (
    "That doesn't look like a link to a Slack message. Use *Copy link* on a message of the thread, then paste it."
)
# What Slack says when a channel is beyond this installation's reach: another workspace or organisation,
# a workspace an org-wide install wasn't granted, or a channel the bot isn't in.
UNREACHABLE = frozenset({"channel_not_found", "not_in_channel", "team_access_not_granted", "team_not_found"})
COMMAND_FIELDS = ("team_id", "channel_id", "user_id", "text", "trigger_id", "response_url")


def is_help(text: str) -> bool:
    """True for `/techspec` alone or `/techspec help`."""
    return text.strip().lower() in ("", "help", "-h", "--help", "?")


def enqueue_command(rt: Runtime, body: dict[str, Any]) -> Outcome:
    """Queue a `/techspec <link | words>` for the worker (only the fields it needs)."""
    payload = {name: body.get(name) for name in COMMAND_FIELDS}
    if not rt.store.claim_trigger(rt.scope, str(body.get("channel_id")), f"slash:{body.get('trigger_id')}"):
        return "duplicate"  # the same command delivered (or replayed) again
    # The words of `/techspec <words>` are stored in the job and posted as the new thread's root.
    payload["text"] = redact_text(str(payload.get("text") or ""))
    tenant = tenant_of(str(body.get("team_id")), str(body.get("user_id")))
    command_id = job_id(JobKind.COMMAND, str(body.get("trigger_id")))
    rt.queue.enqueue(JobKind.COMMAND, payload, job_id=command_id, tenant=tenant)
    return "started"


def refusal(rt: Runtime, body: dict[str, Any]) -> str | None:
    """Why this command cannot start anything now (a full queue, a spent budget), said at once; else None.
    rt is the command's workspace's runtime already."""
    try:
        return admit_command(rt, str(body.get("team_id")), str(body.get("user_id")))
    except redis.RedisError:
        return None  # queueing will fail too, and the guard says so in plain words


def start_from_command(rt: Runtime, payload: dict[str, Any]) -> None:
    """Handle `/techspec <link>` or `/techspec <words>` after the command was acked (rt: its workspace's)."""
    try:
        handle_trigger(rt, resolve_command(rt, payload))
    except TechspecError as exc:
        rt.slack.respond(payload["response_url"], exc.user_message)
    except SlackApiError as exc:
        rt.slack.respond(payload["response_url"], as_access_error(exc).user_message)


def resolve_command(rt: Runtime, payload: dict[str, Any]) -> Trigger:
    """The thread a command asks for, after checking the person may read it; posts the root for new topics."""
    text = str(payload.get("text", "")).strip()
    user, team = payload["user_id"], payload["team_id"]
    link = parse_permalink(text)
    if link is None and looks_like_link(text):
        raise TechspecError("bad link", user_message=BAD_LINK)
    if link is not None:
        # The person must be able to read the channel: never read a thread for someone who can't see it.
        if not can_read(rt, link, user):
            raise TechspecError("not a member", user_message=NOT_A_MEMBER)
        root = link.thread_ts or rt.slack.thread_root(link.channel_id, link.ts)
        return Trigger(
            team_id=scope_of_channel(rt, team, link.channel_id),
            channel_id=link.channel_id,
            thread_ts=root,
            trigger_ts=link.ts,
            user_id=user,
            source="command",
            dedupe_id=f"command:{payload.get('trigger_id')}",
        )
    channel = payload["channel_id"]
    blocked = preview_refusal(rt, team, channel, user)
    if blocked is not None:  # say so before posting a root that no session would follow
        raise TechspecError("refused", user_message=blocked)
    root = rt.slack.post(channel, None, texts.thread_root_text(user, text))
    return Trigger(team_id=team, channel_id=channel, thread_ts=root, trigger_ts=root, user_id=user, source="command")


def scope_of_channel(rt: Runtime, scope: str, channel_id: str) -> str:
    """The scope a linked thread is kept under: with an org-wide install, the workspace its channel is in
    (replies there arrive as that workspace's events, so the session must be keyed the same way)."""
    tenant = parse_tenant_scope(scope)
    if not tenant.org_install:
        return scope  # a workspace install reads only its own workspace's channels
    team = rt.slack.channel_team(channel_id)
    return tenant.model_copy(update={"team_id": team}).scope if team and team.startswith("T") else scope


def can_read(rt: Runtime, link: MessageLink, user: str) -> bool:
    """True when the person is a member of the link's channel, asked with this installation's token.

    The channel id decides, not the link's host: an Enterprise Grid org's workspaces each have their own
    host (acme-eng.enterprise.slack.com, the org's acme.enterprise.slack.com ...), and an org-wide token
    reads the channels of every workspace it was granted. A channel this token can't reach is another
    workspace's or organisation's (or the bot isn't in it): refused in those words.
    """
    try:
        return rt.slack.is_member(link.channel_id, user)
    except SlackAccessError as exc:
        here = (urlparse(rt.slack.identity().url).hostname or "").lower()
        if str(exc) in UNREACHABLE and not is_same_host(link.host, here):
            raise TechspecError("unreachable link", user_message=texts.unreachable_link(link.host)) from exc
        raise
