"""The configured model's price for the cost metric, from the same table the spend budget uses."""

from __future__ import annotations

from bot.config import Settings
from bot.llm.prices import PriceTable


def metric_prices(settings: Settings) -> dict[str, tuple[float, float]]:
    """USD per million input and output tokens for the configured model (unlisted models: the default row)."""
    row = PriceTable(settings.techspec_model_prices).price(settings.openai_model)
    return {settings.openai_model: (row.input, row.output)}
