"""Fault injection: the failures a real OpenAI-compatible endpoint produces, one kind at a time."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from tests.fakes.model.completion import error_body

# Faults answered with an HTTP error status.
HTTP_FAULTS = frozenset({"429", "500", "503"})
# Faults where no HTTP response is ever written.
CONNECTION_FAULTS = frozenset({"timeout", "drop"})
# Faults answered 200 with a broken or unusable completion.
CONTENT_FAULTS = frozenset({"invalid_json", "schema_mismatch", "length", "refusal", "content_filter"})
FAULT_KINDS = HTTP_FAULTS | CONNECTION_FAULTS | CONTENT_FAULTS

REFUSAL_TEXT = "I can't help with that."
DEFAULT_TIMEOUT_SECONDS = 30.0


@dataclass
class Fault:
    """A queued fault: applies to the next `remaining` calls whose schema name matches."""

    kind: str
    schema_name: str = "*"
    remaining: int = 1
    retry_after: float = 1.0
    seconds: float | None = None

    def __post_init__(self) -> None:
        """Reject typos early: a misspelt kind would otherwise silently never fire."""
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if self.remaining < 1:
            raise ValueError("count must be at least 1")

    @property
    def stall_seconds(self) -> float:
        """How long a "timeout" fault keeps the connection silent before closing it."""
        return DEFAULT_TIMEOUT_SECONDS if self.seconds is None else self.seconds


@dataclass(frozen=True)
class HttpError:
    """An HTTP error answer: status, extra headers and OpenAI error JSON."""

    status: int
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass(frozen=True)
class BrokenCompletion:
    """What a content fault puts in choices[0]: message content, refusal and finish_reason."""

    content: str | None
    finish_reason: str
    refusal: str | None = None


def http_error(fault: Fault) -> HttpError:
    """The status, headers and body OpenAI sends for a 429 / 500 / 503."""
    if fault.kind == "429":
        # `retry-after` as whole seconds (what HTTP allows and what naive parsers expect), plus
        # `retry-after-ms`, which the SDK prefers, so sub-second waits keep tests fast
        headers = {
            "retry-after": str(max(0, math.ceil(fault.retry_after))),
            "retry-after-ms": str(max(0, round(fault.retry_after * 1000))),
        }
        message = "Rate limit reached for requests per min (RPM). Please try again later."
        return HttpError(429, headers, error_body(message, "requests", "rate_limit_exceeded"))
    if fault.kind == "503":
        message = "The engine is currently overloaded, please try again later."
        return HttpError(503, {}, error_body(message, "server_error", "service_unavailable"))
    message = "The server had an error while processing your request. Sorry about that!"
    return HttpError(500, {}, error_body(message, "server_error"))


def broken_completion(kind: str, valid_json: str) -> BrokenCompletion:
    """The broken answer for a content fault, derived from a valid answer where it needs one."""
    half = valid_json[: max(1, len(valid_json) // 2)]
    if kind == "invalid_json":
        # chatter before the JSON plus a cut-off object: both break strict parsing
        return BrokenCompletion(f"Sure! Here is the JSON you asked for: {half}", "stop")
    if kind == "schema_mismatch":
        return BrokenCompletion('{"unexpected": true}', "stop")
    if kind == "length":
        return BrokenCompletion(half, "length")
    if kind == "refusal":
        return BrokenCompletion(None, "stop", REFUSAL_TEXT)
    if kind == "content_filter":
        return BrokenCompletion(None, "content_filter")
    raise ValueError(f"{kind!r} is not a content fault")
