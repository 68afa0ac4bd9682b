"""The model spend of each workspace: counted per call while a session's step runs, checked against the
monthly budget when a session starts, and shown to admins on the App Home tab."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from slack_sdk.models.blocks import Block

from bot.llm.client import Usage
from bot.slack import refusals
from bot.store.usage import PeriodUsage
from bot.wiring import Runtime

log = logging.getLogger(__name__)


@contextmanager
def metered(rt: Runtime, team_id: str) -> Iterator[None]:
    """Count every model call made inside the block against team_id's day and month, as it happens."""
    model = rt.settings.openai_model

    def count(usage: Usage) -> None:
        counts = PeriodUsage(
            period="",
            calls=1,
            prompt_tokens=usage.prompt_tokens,
            cached_tokens=usage.cached_tokens,
            completion_tokens=usage.completion_tokens,
            micro_usd=round(rt.prices.cost_usd(model, usage) * 1_000_000),
        )
        try:
            rt.usage.add(team_id, counts)
        except redis.RedisError:
            # The call is made and paid for; losing its count beats failing a spec that is nearly done.
            log.warning("model usage not counted: storage unavailable", extra={"team": team_id, **usage.model_dump()})

    with rt.metering(count):
        yield


@dataclass(frozen=True)
class Budget:
    """A workspace's month so far against its budgets (0 means no budget of that kind)."""

    month: PeriodUsage
    usd_limit: float
    token_limit: int

    @property
    def share(self) -> float:
        """The larger of the used shares of the budgets set (0.0 with no budget)."""
        shares = [0.0]
        if self.usd_limit:
            shares.append(self.month.usd / self.usd_limit)
        if self.token_limit:
            shares.append(self.month.tokens / self.token_limit)
        return max(shares)

    @property
    def has_limit(self) -> bool:
        """True when any budget is set."""
        return bool(self.usd_limit or self.token_limit)

    def spent(self) -> str:
        """How much of which budget, in words."""
        return refusals.spent_text(self.month.usd, self.usd_limit, self.month.tokens, self.token_limit)


def budget_of(rt: Runtime, team_id: str, now: datetime | None = None) -> Budget:
    """The workspace's budget state this month (one HMGET)."""
    settings = rt.settings
    return Budget(
        month=rt.usage.month(team_id, now),
        usd_limit=settings.techspec_monthly_budget_usd,
        token_limit=settings.techspec_monthly_budget_tokens,
    )


def usage_section(rt: Runtime, team_id: str) -> list[Block]:
    """The month's usage for an admin's App Home tab."""
    now = datetime.now(UTC)
    budget, today = budget_of(rt, team_id, now), rt.usage.today(team_id, now)
    month = budget.month
    detail = (
        f"{month.calls:,} model calls · {month.prompt_tokens:,} prompt tokens ({month.cached_tokens:,} cached) · "
        f"{month.completion_tokens:,} completion tokens · model `{rt.settings.openai_model}`"
    )
    percent = budget.share * 100 if budget.has_limit else None
    today_text = f"${today.usd:,.2f}, {today.calls:,} calls, {today.tokens:,} tokens"
    return refusals.usage_blocks(f"{now:%B %Y}", budget.spent(), percent, detail, today_text)
