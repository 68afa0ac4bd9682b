"""Value types shared by the Slack emulator modules (records, errors, id/ts generators, params)."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs

# Real message timestamps always have ten digits, a dot and six digits; keeping that exact shape lets
# the store sort ts values as plain strings.
TS_RE = re.compile(r"^\d{10}\.\d{6}$")


class ApiError(Exception):
    """A Slack Web API error answer (`{"ok": false, "error": ...}`)."""

    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []

    def as_response(self) -> dict[str, Any]:
        """Render the error the way Slack does, with response_metadata for argument problems."""
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": list(self.messages)}
        return body


@dataclass
class RecordedCall:
    """One Web API request received by the emulator and what it answered."""

    method: str
    params: dict[str, Any]
    time: float
    response: dict[str, Any]
    http_status: int
    token: str | None = None
    team_id: str | None = None  # the workspace that served the call (None: no workspace, e.g. a bad token)
    enterprise_id: str | None = None


@dataclass
class Delivery:
    """One signed HTTP request sent to the bot (a single attempt) and the bot's answer."""

    status: int
    body: str
    headers: dict[str, str]
    elapsed: float
    request_body: bytes = b""
    request_headers: dict[str, str] = field(default_factory=dict)
    time: float = 0.0
    retry_num: int = 0
    error: str | None = None
    event_id: str | None = None

    @property
    def ok(self) -> bool:
        """True when the bot answered 2xx."""
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The bot's answer body parsed as JSON (None when empty or not JSON)."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    def payload(self) -> Any:
        """What was sent: the JSON body, the decoded `payload=` form field, or the form as a flat dict."""
        text = self.request_body.decode("utf-8")
        if text.startswith("{"):
            return json.loads(text)
        form = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
        return json.loads(form["payload"]) if "payload" in form else form


@dataclass
class Fault:
    """An injected failure for the next call of one method."""

    error: str
    http_status: int
    retry_after: int | None


class FileRecord(dict[str, Any]):
    """A stored file; a dict that also allows attribute access (`rec.content` == `rec["content"]`)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


class TsClock:
    """Issues unique, strictly increasing Slack ts strings close to wall-clock time."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        """Return a new ts such as "1732400000.000100"."""
        with self._lock:
            self._last = max(int(time.time() * 1_000_000), self._last + 1)
            return f"{self._last // 1_000_000}.{self._last % 1_000_000:06d}"

    def observe(self, ts: str) -> None:
        """Make sure later ts values sort after an externally chosen one."""
        seconds, micros = ts.split(".")
        with self._lock:
            self._last = max(self._last, int(seconds) * 1_000_000 + int(micros))


class IdGen:
    """Issues Slack-looking ids ("F0000000001", "Ev000000002", ...) that are unique per prefix."""

    def __init__(self) -> None:
        self._counter = 0
        self._lock = threading.Lock()

    def next(self, prefix: str) -> str:
        """Return prefix + a zero-padded base-36 counter."""
        with self._lock:
            self._counter += 1
            n = self._counter
        digits = ""
        while n:
            n, rem = divmod(n, 36)
            digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[rem] + digits
        return prefix + digits.rjust(9, "0")


class Params:
    """Typed accessors over a request's merged query/form/JSON arguments."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def text(self, name: str) -> str | None:
        """The argument as a string, or None when absent or empty."""
        value = self.data.get(name)
        if value is None or value == "":
            return None
        return value if isinstance(value, str) else str(value)

    def required(self, name: str, error: str = "invalid_arguments") -> str:
        """The argument as a string; raise `error` when it is missing (Slack's missing-field answer)."""
        value = self.text(name)
        if value is None:
            raise ApiError(error, [f"[ERROR] missing required field: {name}"])
        return value

    def flag(self, name: str) -> bool:
        """Slack's boolean coercion: true, 1, "1", "true" are truthy."""
        value = self.data.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes")
        return bool(value)

    def number(self, name: str, default: int) -> int:
        """The argument as an int, or `default` when absent."""
        value = self.text(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise ApiError("invalid_arguments", [f"[ERROR] {name} must be an integer"]) from exc

    def decoded(self, name: str, error: str = "invalid_arguments") -> Any:
        """A structured argument that may arrive as a JSON string (form bodies) or as a value (JSON bodies)."""
        value = self.data.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError as exc:
                raise ApiError(error, [f"[ERROR] {name} is not valid JSON"]) from exc
        return value


def parse_multipart(body: bytes, content_type: str) -> dict[str, bytes]:
    """The parts of a multipart/form-data body by field name (stdlib email parser does the MIME work)."""
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    parts: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            parts[name] = payload if isinstance(payload, bytes) else b""
    return parts
