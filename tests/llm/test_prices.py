"""Pricing model calls: cached input at its own rate, operator rows over the bundled table, never free."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.llm.client import Usage
from bot.llm.prices import DEFAULT_PRICE_MODEL, PriceTable


def test_cached_prompt_tokens_are_priced_at_the_cached_rate() -> None:
    table = PriceTable()
    usage = Usage(prompt_tokens=1_000_000, cached_tokens=400_000, completion_tokens=100_000)
    # gpt-4.1: 600k x $2 + 400k x $0.50 + 100k x $8 per million
    assert table.cost_usd("gpt-4.1", usage) == pytest.approx(1.2 + 0.2 + 0.8)


def test_operator_rows_override_and_unknown_models_cost_like_the_default() -> None:
    table = PriceTable({"gpt-4.1": {"input": 1, "output": 1}, "llama3.1:8b": {"input": 0, "output": 0}})
    usage = Usage(prompt_tokens=500_000, cached_tokens=500_000, completion_tokens=500_000)
    assert table.cost_usd("gpt-4.1", usage) == pytest.approx(1.0)  # no cached rate: input rate
    assert table.cost_usd("llama3.1:8b", usage) == 0
    assert not table.is_listed("mystery-model")
    assert table.cost_usd("mystery-model", usage) == table.cost_usd(DEFAULT_PRICE_MODEL, usage)


@pytest.mark.parametrize(
    "prices",
    ['{"m": {"input": 1}}', '{"m": {"input": -1, "output": 1}}', '{"m": {"inptu": 1, "output": 1}}', "not json"],
)
def test_a_malformed_price_table_stops_the_start(monkeypatch: pytest.MonkeyPatch, prices: str) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-1")
    monkeypatch.setenv("TECHSPEC_MODEL_PRICES", prices)
    with pytest.raises(ConfigError) as raised:
        load_settings("run")
    assert raised.value.variable == "TECHSPEC_MODEL_PRICES"
