"""Model usage per workspace, per UTC day and month: tokens and micro-dollars, counted atomically."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import redis
from pydantic import BaseModel

from bot.store.keys import USAGE_DAY_TTL_SECONDS, USAGE_MONTH_TTL_SECONDS, usage_key

FIELDS = ("calls", "prompt_tokens", "cached_tokens", "completion_tokens", "micro_usd")


class PeriodUsage(BaseModel):
    """What one workspace used in one period."""

    period: str
    calls: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    micro_usd: int = 0  # integers, so concurrent HINCRBYs add up exactly

    @property
    def usd(self) -> float:
        """Dollars spent."""
        return self.micro_usd / 1_000_000

    @property
    def tokens(self) -> int:
        """Prompt plus completion tokens (cached ones are part of the prompt)."""
        return self.prompt_tokens + self.completion_tokens


def month_of(when: datetime) -> str:
    """The month period name, e.g. 2026-11 (UTC)."""
    return when.astimezone(UTC).strftime("%Y-%m")


def day_of(when: datetime) -> str:
    """The day period name, e.g. 2026-11-30 (UTC)."""
    return when.astimezone(UTC).strftime("%Y-%m-%d")


class UsageLedger:
    """Adds each model call to its workspace's day and month counters and reads them back."""

    def __init__(self, connection: redis.Redis) -> None:
        self.redis = connection

    def add(self, team_id: str, counts: PeriodUsage, when: datetime | None = None) -> None:
        """Add one call's counts (counts.period is ignored) to today's and this month's totals, in one MULTI."""
        now = when or datetime.now(UTC)
        with self.redis.pipeline(transaction=True) as pipe:
            for key, ttl in (
                (usage_key(team_id, month_of(now)), USAGE_MONTH_TTL_SECONDS),
                (usage_key(team_id, day_of(now)), USAGE_DAY_TTL_SECONDS),
            ):
                for name in FIELDS:
                    value = int(getattr(counts, name))
                    if value:
                        pipe.hincrby(key, name, value)
                pipe.expire(key, ttl)
            pipe.execute()

    def period(self, team_id: str, period: str) -> PeriodUsage:
        """The totals of one period ("2026-11" or "2026-11-30"); zeros when nothing was used."""
        raw = cast(list[bytes | None], self.redis.hmget(usage_key(team_id, period), list(FIELDS)))
        values = {name: int(v) for name, v in zip(FIELDS, raw, strict=True) if v is not None}
        return PeriodUsage(period=period, **values)

    def month(self, team_id: str, when: datetime | None = None) -> PeriodUsage:
        """This month's totals (UTC)."""
        return self.period(team_id, month_of(when or datetime.now(UTC)))

    def today(self, team_id: str, when: datetime | None = None) -> PeriodUsage:
        """Today's totals (UTC)."""
        return self.period(team_id, day_of(when or datetime.now(UTC)))
