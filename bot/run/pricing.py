"""The configured model's price for the cost metric, from the same table the spend budget uses."""

from __future__ import annotations

from bot.config import Settings
from bot.llm.prices import PriceTable


def metric_prices(settings: Settings) -> dict[str, tuple[float, float, float]]:
    """USD per million input, cached input and output tokens for the configured model (the budget's rates)."""
    row = PriceTable(settings.techspec_model_prices).price(settings.openai_model)
    cached = row.input if row.cached_input is None else row.cached_input
    return {settings.openai_model: (row.input, cached, row.output)}
