"""Timing taps on the emulators (bench process only): when each Slack/model request started and ended.

The worker's waiting time is the union of these server-side spans, so what is left of a session's wall
time is what the bot itself spent (HTTP client work, JSON, prompt building, Redis, forking...).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.model import ModelEmulator
from tests.fakes.slack import server as slack_server
from tests.fakes.slack.models import Fault


@dataclass
class Span:
    """One request as the emulator served it."""

    kind: str  # "slack" or "model"
    method: str
    start: float
    end: float
    status: int = 200
    channel: str = ""
    usage: dict[str, Any] = field(default_factory=dict)


class SpanLog:
    """A thread-safe list of spans with window queries."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        self.lock = threading.Lock()

    def add(self, span: Span) -> None:
        """Record one span."""
        with self.lock:
            self.spans.append(span)

    def between(self, start: float, end: float, kind: str | None = None) -> list[Span]:
        """Spans that started inside [start, end]."""
        with self.lock:
            return [s for s in self.spans if start <= s.start <= end and (kind is None or s.kind == kind)]


def union_seconds(spans: list[Span], start: float, end: float) -> float:
    """Seconds of [start, end] covered by at least one span (overlapping calls count once)."""
    intervals = sorted((max(s.start, start), min(s.end, end)) for s in spans if s.end > start and s.start < end)
    total, current_start, current_end = 0.0, None, None
    for a, b in intervals:
        if current_end is None or a > current_end:
            if current_end is not None and current_start is not None:
                total += current_end - current_start
            current_start, current_end = a, b
        else:
            current_end = max(current_end, b)
    if current_end is not None and current_start is not None:
        total += current_end - current_start
    return total


class ChannelRateLimit:
    """Slack's chat.postMessage limit (about one a second per channel, short bursts allowed) as 429s."""

    def __init__(self, per_second: float = 1.0, burst: int = 2) -> None:
        self.per_second = per_second
        self.burst = burst
        self.tokens: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()
        self.enabled = False

    def allow(self, channel: str) -> bool:
        """Take a token for channel; False means answer 429."""
        if not self.enabled:
            return True
        now = time.monotonic()
        with self.lock:
            tokens, seen = self.tokens.get(channel, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - seen) * self.per_second)
            if tokens < 1.0:
                self.tokens[channel] = (tokens, now)
                return False
            self.tokens[channel] = (tokens - 1.0, now)
            return True


def tap_slack(log: SpanLog, limit: ChannelRateLimit) -> None:
    """Wrap the Slack emulator's request handlers so every API call and upload is timed (and rate limited)."""
    original_api, original_upload = slack_server.handle_api, slack_server.handle_upload

    def handle_api(emu: Any, method: str, query: str, body: bytes, headers: Any) -> Any:
        start = time.time()
        channel = ""
        if method == "chat.postMessage":
            try:
                channel = str(slack_server.parse_params(query, body, headers.get("Content-Type") or "").get("channel"))
            except Exception:  # noqa: BLE001 - an unparsable call is the emulator's business
                channel = ""
        if channel and not limit.allow(channel):
            reply = slack_server.fault_reply(Fault("ratelimited", 429, 1))
        else:
            reply = original_api(emu, method, query, body, headers)
        log.add(Span("slack", method, start, time.time(), reply.status, channel))
        return reply

    def handle_upload(emu: Any, file_id: str, body: bytes, content_type: str) -> Any:
        start = time.time()
        reply = original_upload(emu, file_id, body, content_type)
        log.add(Span("slack", "upload", start, time.time(), reply.status))
        return reply

    slack_server.handle_api = handle_api  # type: ignore[assignment]
    slack_server.handle_upload = handle_upload  # type: ignore[assignment]


class TimedModel(ModelEmulator):
    """The model emulator, recording each chat request's span and the usage it answered."""

    def __init__(self, log: SpanLog, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.span_log = log
        self._local = threading.local()

    def _handle(self, ex: Any) -> None:
        self._local.start = time.time()
        self._local.usage = {}
        self._local.status = 0
        super()._handle(ex)
        schema = getattr(self._local, "schema", None) or "other"
        self.span_log.add(
            Span("model", schema, self._local.start, time.time(), self._local.status, usage=self._local.usage)
        )

    def _send(self, ex: Any, record: Any, status: int, body: Any, headers: Any = None) -> None:
        self._local.status = status
        self._local.schema = record.schema_name
        if isinstance(body, dict) and isinstance(body.get("usage"), dict):
            self._local.usage = body["usage"]
        super()._send(ex, record, status, body, headers)
