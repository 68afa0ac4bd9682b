"""Structured logging: one JSON line per event, secrets redacted, no message text at INFO."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bot.obs import metrics
from bot.spec.redaction import redact_text

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: time, level, logger, event, and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a single redacted JSON line."""
        payload: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["error"] = self.formatException(record.exc_info)
        # Each value is redacted before it is JSON-encoded: in the encoded line a quoted password or a key
        # pair split over lines would hide behind \" and \n escapes.
        return json.dumps(_redacted(payload), default=str, ensure_ascii=False)


def _redacted(value: Any) -> Any:
    """The value with every string in it redacted (numbers and flags as they are)."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact_text(str(value))


def configure_logging(level: str = "INFO") -> None:
    """Send every logger's records to stderr as JSON lines (called once by each process's entry point)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Library chatter at INFO would include request URLs and bodies; keep it at WARNING.
    for noisy in ("slack_bolt", "slack_sdk", "openai", "httpx", "httpx2", "urllib3", "rq.worker", "gunicorn"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


@contextmanager
def timed_step(logger: logging.Logger, step: str, **fields: Any) -> Iterator[dict[str, Any]]:
    """Log one line when a step ends, with its duration in ms and outcome; yields a dict for extra fields."""
    extra: dict[str, Any] = {"step": step, **fields}
    started = time.perf_counter()
    try:
        yield extra
    except Exception as exc:
        extra.update(outcome="error", error_type=type(exc).__name__)
        raise
    else:
        extra.setdefault("outcome", "ok")
    finally:
        seconds = time.perf_counter() - started
        extra["duration_ms"] = round(seconds * 1000, 1)
        metrics.STEP_SECONDS.labels(step, str(extra.get("outcome", "error"))).observe(seconds)
        logger.info("step finished", extra=extra)
