"""Tokens per session and an estimated price per spec from bench/prices.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

PRICES = Path(__file__).with_name("prices.toml")


def load_prices(path: Path = PRICES) -> dict[str, Any]:
    """The price table."""
    return tomllib.loads(path.read_text())


def tokens(usage: list[dict[str, Any]]) -> dict[str, int]:
    """Prompt, cached and completion tokens summed over a session's model calls."""
    return {
        "calls": len(usage),
        "prompt": sum(int(u.get("prompt_tokens", 0)) for u in usage),
        "cached": sum(int((u.get("prompt_tokens_details") or {}).get("cached_tokens", 0)) for u in usage),
        "completion": sum(int(u.get("completion_tokens", 0)) for u in usage),
    }


def price(usage: list[dict[str, Any]], table: dict[str, Any], model: str) -> float:
    """Dollars for a session's calls: uncached input, cached input, and output (assumed minimum per call)."""
    rates = table["models"][model]
    floors = table.get("assumed_completion_tokens", {})
    dollars = 0.0
    for call in usage:
        prompt = int(call.get("prompt_tokens", 0))
        cached = int((call.get("prompt_tokens_details") or {}).get("cached_tokens", 0))
        completion = max(int(call.get("completion_tokens", 0)), int(floors.get(call.get("schema"), 0)))
        dollars += (prompt - cached) * rates["input"] + cached * rates["cached_input"] + completion * rates["output"]
    return dollars / 1_000_000
