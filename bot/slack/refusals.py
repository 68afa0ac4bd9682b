"""What the bot says about fair use: refusals (privately, with when to try again), the budget warning,
what a long thread's reading left out, and the month's usage on an admin's App Home."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk.models.blocks import Block, ContextBlock, DividerBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.slack.texts import is_user_id, mention
from bot.spec.bounds import LeftOut

ONE_NOTICE = "_(I'll stay quiet about more requests like this for a minute.)_"
_SCOPES = {
    "user": ("you already have {held} specs under way", "the most one person can have at once"),
    "channel": ("this channel already has {held} specs under way", "the most one channel can have at once"),
    "team": ("this workspace already has {held} specs under way", "the most it can have at once"),
}


def when(epoch: float) -> str:
    """A time Slack shows in the reader's own time zone (UTC in the fallback text)."""
    fallback = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(epoch) + 1}^{{date_short_pretty}} at {{time}}|{fallback}>"


def active_limit(scope: str, held: int, retry_at: float) -> str:
    """Refused: too many sessions under way for this person, channel or workspace."""
    what, why = _SCOPES[scope]
    return (
        f":no_entry_sign: I didn't start a spec here: {what.format(held=held)}, {why}. I'll take a new one as "
        f"soon as one of them is written or cancelled (*Cancel* on its questions), and by {when(retry_at)} "
        f"at the latest. Mention me here again then. {ONE_NOTICE}"
    )


def hourly_limit(held: int, retry_at: float) -> str:
    """Refused: this person started too many sessions within the hour."""
    return (
        f":no_entry_sign: I didn't start a spec here: you've started {held} in the last hour, the most one "
        f"person can start in an hour. You can start the next one at {when(retry_at)}: mention me here "
        f"again then. {ONE_NOTICE}"
    )


def queue_full(depth: int) -> str:
    """Refused: the queue is deeper than the bot can work through in good time."""
    return (
        f":hourglass: I'm too busy to start a spec right now: {depth} jobs are already waiting, more than "
        f"I can get to in good time. Nothing was started; please mention me here again in a few minutes. "
        f"{ONE_NOTICE}"
    )


def channel_closed(allow_list: bool, changed_by: str | None) -> str:
    """Refused: the workspace's admins do not let the bot work in this channel."""
    rule = "only in the channels on its list" if allow_list else "in every channel except a few, this one among them"
    who = f" (last changed by {mention(changed_by)})" if changed_by and is_user_id(changed_by) else ""
    return (
        f":no_entry_sign: I didn't start a spec here: this workspace's admins let me work {rule}. A workspace "
        f"admin or owner can change that in *Workspace settings* on my Home tab{who}. {ONE_NOTICE}"
    )


def _money(usd: float) -> str:
    return f"${usd:,.2f}"


def _next_month(now: datetime) -> str:
    first = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)
    return f"{first:%-d %B} (UTC)"


def budget_spent(spent: str, now: datetime) -> str:
    """Refused: the workspace used its model budget for the month."""
    return (
        f":money_with_wings: I didn't start a spec here: this workspace has used its model budget for "
        f"{now:%B} ({spent}). New specs can start again on {_next_month(now)}; specs already under way "
        f"will finish. A workspace admin can see the month's usage on my Home tab. {ONE_NOTICE}"
    )


def budget_warning(percent: float, spent: str, now: datetime) -> str:
    """Started, but the workspace is past the warning share of its budget."""
    return (
        f":warning: Heads-up: this workspace has used {percent:.0f}% of its model budget for {now:%B} "
        f"({spent}). At 100% I stop starting new specs until {_next_month(now)}; specs under way finish."
    )


def spent_text(usd: float, usd_limit: float, tokens: int, token_limit: int) -> str:
    """'$12.00 of $200.00' and/or '1,200,000 of 5,000,000 tokens', for whichever budgets are set."""
    parts = []
    if usd_limit:
        parts.append(f"{_money(usd)} of {_money(usd_limit)}")
    if token_limit:
        parts.append(f"{tokens:,} of {token_limit:,} tokens")
    return ", ".join(parts) or _money(usd)


def left_out(gap: LeftOut, max_messages: int, max_chars: int) -> str:
    """The one note in a long thread saying which part the bot did not read."""
    limit = f"{max_messages:,} messages" if gap.by == "messages" else f"{max_chars:,} characters"
    return (
        f":scissors: This thread is longer than I read in one go (my limit is {limit}): I used its first "
        f"{gap.kept:,} messages and left out the {gap.left_out:,} after them. If the later part matters, "
        f"start a new thread that sums it up and mention me there."
    )


def usage_blocks(month: str, spent: str, percent: float | None, detail: str, today: str) -> list[Block]:
    """The App Home section an admin sees: this month's model usage for the workspace."""
    share = f" ({percent:.0f}% of the budget)" if percent is not None else ""
    return [
        DividerBlock(),
        HeaderBlock(text="Model usage this month"),
        SectionBlock(text=MarkdownTextObject(text=f"*{month}*: {spent}{share}\n{detail}")),
        ContextBlock(elements=[MarkdownTextObject(text=f"Today (UTC): {today} · shown to workspace admins only")]),
    ]
