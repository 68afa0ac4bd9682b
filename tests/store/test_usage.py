"""The usage ledger against a real redis-server: exact sums under concurrency, day and month periods, TTLs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import redis

from bot.store.keys import USAGE_MONTH_TTL_SECONDS, usage_key
from bot.store.usage import PeriodUsage, UsageLedger

WHEN = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)


def call(micro: int = 1500) -> PeriodUsage:
    return PeriodUsage(
        period="", calls=1, prompt_tokens=1000, cached_tokens=200, completion_tokens=100, micro_usd=micro
    )


def test_calls_add_to_the_day_and_the_month(redis_conn: redis.Redis) -> None:
    ledger = UsageLedger(redis_conn)
    ledger.add("T1", call(), WHEN)
    ledger.add("T1", call(), datetime(2026, 12, 1, 0, 1, tzinfo=UTC))
    month = ledger.month("T1", WHEN)
    assert (month.calls, month.prompt_tokens, month.cached_tokens, month.completion_tokens) == (1, 1000, 200, 100)
    assert month.usd == 0.0015 and month.tokens == 1100
    assert ledger.month("T1", datetime(2026, 12, 5, tzinfo=UTC)).calls == 1
    assert ledger.today("T1", WHEN).calls == 1
    assert ledger.month("T2", WHEN).calls == 0  # another workspace
    assert 0 < redis_conn.ttl(usage_key("T1", "2026-11")) <= USAGE_MONTH_TTL_SECONDS


def test_concurrent_calls_add_up_exactly(redis_conn: redis.Redis, redis_url: str) -> None:
    def work() -> None:
        ledger = UsageLedger(redis.Redis.from_url(redis_url))
        for _ in range(50):
            ledger.add("T1", call(7), WHEN)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    month = UsageLedger(redis_conn).month("T1", WHEN)
    assert month.calls == 400 and month.micro_usd == 2800 and month.prompt_tokens == 400_000
