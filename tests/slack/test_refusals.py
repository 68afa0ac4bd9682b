"""The fair-use messages say what happened, why, and when to try again, in Slack's own date markup."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.slack import refusals
from bot.spec.bounds import LeftOut

AT = 1_796_050_000.0
NOV = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
DEC = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)


def test_limit_refusals_name_the_limit_and_the_time_to_try_again() -> None:
    person = refusals.active_limit("user", 3, AT)
    assert "here: you already have 3 specs under way" in person and "*Cancel*" in person
    assert "<!date^1796050001^{date_short_pretty} at {time}|2026-11-30 14:46 UTC>" in person
    assert "this channel already has 10" in refusals.active_limit("channel", 10, AT)
    assert "this workspace already has 100" in refusals.active_limit("team", 100, AT)
    hourly = refusals.hourly_limit(10, AT)
    assert "started 10 in the last hour" in hourly and "<!date^1796050001^" in hourly
    assert "42 jobs are already waiting" in refusals.queue_full(42)


def test_budget_messages_name_the_month_the_spend_and_the_reset_day() -> None:
    spent = refusals.spent_text(201.5, 200, 0, 0)
    assert spent == "$201.50 of $200.00"
    refused = refusals.budget_spent(spent, NOV)
    assert "model budget for November ($201.50 of $200.00)" in refused and "1 December (UTC)" in refused
    assert "1 January (UTC)" in refusals.budget_spent(spent, DEC)
    warned = refusals.budget_warning(84.4, "$168.80 of $200.00", NOV)
    assert "84% of its model budget for November" in warned and "under way finish" in warned
    assert refusals.spent_text(0, 0, 1200, 5000) == "1,200 of 5,000 tokens"


def test_the_left_out_note_says_how_much_and_which_limit() -> None:
    gap = LeftOut(kept=5000, left_out=1234, last_kept_ts="1.0", by="messages")
    note = refusals.left_out(gap, 5000, 2_000_000)
    assert "my limit is 5,000 messages" in note and "first 5,000 messages and left out the 1,234" in note
    by_chars = refusals.left_out(gap.model_copy(update={"by": "characters"}), 5000, 2_000_000)
    assert "2,000,000 characters" in by_chars
