"""The bot's Prometheus metrics, and the few helpers that record them.

A leaf: it imports nothing from the bot, so any layer may record a metric without a circle. In the
web and worker processes PROMETHEUS_MULTIPROC_DIR is set before this module is imported (see
bot.run.exposition), so gunicorn's workers and RQ's forked job processes all add up in one scrape.
Queue depth and worker counts are read from Redis at scrape time instead (bot.run.exposition).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# Steps take from well under a second (a status update) to many minutes (writing a long spec).
_STEP_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 900)
_MODEL_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160, 320)

SESSIONS = Counter("techspec_sessions", "Sessions that ended, by outcome (spec: pinned; failed: told why)", ["outcome"])
STEP_SECONDS = Histogram(
    "techspec_step_duration_seconds",
    "Duration of worker steps (read, write)",
    ["step", "outcome"],
    buckets=_STEP_BUCKETS,
)
MODEL_SECONDS = Histogram(
    "techspec_model_call_duration_seconds",
    "Duration of one model call, by output schema",
    ["schema"],
    buckets=_MODEL_BUCKETS,
)
MODEL_TOKENS = Counter(
    "techspec_model_tokens", "Tokens the model endpoint reported, by model and kind", ["model", "kind"]
)
MODEL_COST = Counter("techspec_model_cost_usd", "Estimated model cost in USD (TECHSPEC_MODEL_PRICES)", ["model"])
SLACK_RATE_LIMITED = Counter("techspec_slack_rate_limited", "Slack Web API answers of HTTP 429, by method", ["method"])
SLACK_ERRORS = Counter(
    "techspec_slack_errors", "Slack Web API calls that failed, by method and error", ["method", "error"]
)
REDACTIONS = Counter("techspec_redactions", "Secrets redacted from thread text in delivered specs")
SIGNATURE_FAILURES = Counter("techspec_signature_failures", "Requests to /slack/events refused for a bad signature")
WORKER_LOOP_RESTARTS = Counter(
    "techspec_worker_loop_restarts", "Times RQ's work loop gave up (e.g. Redis) and was restarted"
)

# USD per million (input, cached input, output) tokens by model; set once per process from settings.
_prices: dict[str, tuple[float, float, float]] = {}


def set_prices(prices: dict[str, tuple[float, float, float]]) -> None:
    """Use these per-model prices for the cost estimate."""
    _prices.clear()
    _prices.update(prices)


def model_call(
    schema: str, model: str, seconds: float, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0
) -> None:
    """Record one model call: its duration, tokens and estimated cost (cached prompt tokens at their rate)."""
    MODEL_SECONDS.labels(schema).observe(seconds)
    MODEL_TOKENS.labels(model, "prompt").inc(prompt_tokens)
    MODEL_TOKENS.labels(model, "completion").inc(completion_tokens)
    input_price, cached_price, output_price = _prices.get(model, (0.0, 0.0, 0.0))
    cached = min(cached_tokens, prompt_tokens)
    dollars = (prompt_tokens - cached) * input_price + cached * cached_price + completion_tokens * output_price
    MODEL_COST.labels(model).inc(dollars / 1_000_000)


def session_ended(outcome: str, redactions: int = 0) -> None:
    """Count a session that reached an end (spec or failed) and the secrets redacted on the way."""
    SESSIONS.labels(outcome).inc()
    if redactions:
        REDACTIONS.inc(redactions)
