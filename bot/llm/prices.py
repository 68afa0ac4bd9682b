"""What model calls cost: a bundled price table per model, which operators extend or override."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, Field

from bot.llm.client import Usage


class ModelPrice(BaseModel):
    """USD per million tokens: uncached input, cached input and output."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0)

    def cost_usd(self, usage: Usage) -> float:
        """Dollars for one call's usage (cached prompt tokens at the cached rate, the input rate if none)."""
        cached = min(usage.cached_tokens, usage.prompt_tokens)
        cached_rate = self.input if self.cached_input is None else self.cached_input
        dollars = (usage.prompt_tokens - cached) * self.input + cached * cached_rate
        return (dollars + usage.completion_tokens * self.output) / 1_000_000


# Public list prices when this table was written (check your provider's); TECHSPEC_MODEL_PRICES overrides
# or adds rows. A model not listed is priced as DEFAULT_PRICE_MODEL, so an unknown (or self-hosted) model
# still counts against the budget instead of costing nothing.
BUNDLED: dict[str, ModelPrice] = {
    "gpt-4.1": ModelPrice(input=2.00, cached_input=0.50, output=8.00),
    "gpt-4.1-mini": ModelPrice(input=0.40, cached_input=0.10, output=1.60),
    "gpt-4.1-nano": ModelPrice(input=0.10, cached_input=0.025, output=0.40),
    "gpt-4o": ModelPrice(input=2.50, cached_input=1.25, output=10.00),
    "gpt-4o-mini": ModelPrice(input=0.15, cached_input=0.075, output=0.60),
    "o4-mini": ModelPrice(input=1.10, cached_input=0.275, output=4.40),
}
DEFAULT_PRICE_MODEL = "gpt-4.1"


class PriceTable:
    """Prices by model name: the bundled rows with the operator's rows over them."""

    def __init__(self, overrides: Mapping[str, Mapping[str, float]] | None = None) -> None:
        self.rows = dict(BUNDLED)
        for model, row in (overrides or {}).items():
            self.rows[model] = ModelPrice.model_validate(dict(row))

    def price(self, model: str) -> ModelPrice:
        """The row for model, else the default model's row (never free by omission)."""
        return self.rows.get(model) or self.rows.get(DEFAULT_PRICE_MODEL) or BUNDLED[DEFAULT_PRICE_MODEL]

    def is_listed(self, model: str) -> bool:
        """True when model has its own row (operators are warned at start when it does not)."""
        return model in self.rows

    def cost_usd(self, model: str, usage: Usage) -> float:
        """Dollars for one call of model."""
        return self.price(model).cost_usd(usage)
