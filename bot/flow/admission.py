"""Fair use at the door: before a session (or a spec's next version) starts, the queue depth, the
workspace's budget and the person's, channel's and workspace's limits are checked; whoever is refused
is told privately, with when to try again. Sessions already under way are never stopped."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from bot.flow.spend import budget_of
from bot.flow.status import tell
from bot.flow.trigger import Trigger
from bot.slack import refusals
from bot.store.limits import Refusal
from bot.wiring import Runtime

log = logging.getLogger(__name__)

# One refusal notice per person and reason within this many seconds: a flood of requests gets one reply,
# so it cannot spend the workspace's chat.postEphemeral rate limit (Slack's, shared by everyone).
NOTICE_SECONDS = 60


def admit_start(rt: Runtime, trigger: Trigger) -> bool:
    """True when trigger may start a new session; otherwise the person has been told why and when."""
    closed = channel_refusal(rt, trigger.channel_id)
    if closed is not None:
        return _refuse(rt, trigger, "channel", closed)
    depth = rt.queue.depth()
    if depth >= rt.settings.techspec_max_queue_depth:
        return _refuse(rt, trigger, "queue", refusals.queue_full(depth))
    now = datetime.now(UTC)
    budget = budget_of(rt, trigger.team_id, now)
    if budget.share >= 1.0:
        return _refuse(rt, trigger, "budget", refusals.budget_spent(budget.spent(), now))
    refusal = rt.admission.admit(trigger.key, trigger.user_id, time.time())
    if refusal is not None:
        return _refuse(rt, trigger, refusal.scope, limit_text(refusal))
    if budget.share * 100 >= rt.settings.techspec_budget_warn_percent:
        tell(rt, trigger, refusals.budget_warning(budget.share * 100, budget.spent(), now))
    return True


def admit_command(rt: Runtime, team_id: str, user_id: str) -> str | None:
    """Why a `/techspec` may not even be queued (a full queue, a spent budget), or None to go ahead."""
    depth = rt.queue.depth()
    if depth >= rt.settings.techspec_max_queue_depth:
        return refusals.queue_full(depth)
    now = datetime.now(UTC)
    budget = budget_of(rt, team_id, now)
    if budget.share >= 1.0:
        return refusals.budget_spent(budget.spent(), now)
    return None


def preview_refusal(rt: Runtime, team_id: str, channel_id: str, user_id: str) -> str | None:
    """What a limit would say to a new thread's start, before its root message is posted (nothing taken)."""
    closed = channel_refusal(rt, channel_id)
    if closed is not None:
        return closed
    refusal = rt.admission.would_refuse(team_id, channel_id, user_id, time.time())
    return None if refusal is None else limit_text(refusal)


def channel_refusal(rt: Runtime, channel_id: str) -> str | None:
    """Why the bot may not work in this channel (the workspace's admins closed it), or None when it may."""
    workspace = rt.workspace
    if workspace is None or workspace.allows_channel(channel_id):
        return None
    return refusals.channel_closed(workspace.channel_mode == "allow", workspace.updated_by)


def limit_text(refusal: Refusal) -> str:
    """The private message for a refusal by one of the person's, channel's or workspace's limits."""
    if refusal.scope == "hourly":
        return refusals.hourly_limit(refusal.held, refusal.retry_at)
    return refusals.active_limit(refusal.scope, refusal.held, refusal.retry_at)


def _refuse(rt: Runtime, trigger: Trigger, reason: str, text: str) -> bool:
    log.info("session refused", extra={"reason": reason, "team": trigger.team_id, "user": trigger.user_id})
    if rt.admission.first_notice(trigger.team_id, trigger.user_id, reason, NOTICE_SECONDS):
        tell(rt, trigger, text)
    return False
