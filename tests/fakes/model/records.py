"""What the emulator remembers: recorded requests, scripted answers and holds."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any


class Headers(dict[str, str]):
    """Request headers with case-insensitive lookup (HTTP header names are case-insensitive)."""

    def __init__(self, items: Any = ()) -> None:
        """Store every name lower-cased."""
        super().__init__((str(k).lower(), str(v)) for k, v in dict(items).items())

    def __getitem__(self, key: str) -> str:
        """Look up a header regardless of the case the caller uses."""
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        """Membership regardless of case."""
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        """Like dict.get, regardless of case."""
        return super().get(key.lower(), default)


@dataclass
class RecordedRequest:
    """One `POST /v1/chat/completions` as the emulator received it."""

    body: dict[str, Any]
    headers: Headers
    schema_name: str | None
    time: float
    # None until an HTTP response is written; stays None for drop/timeout/aborted holds
    response_status: int | None = None
    path: str = "/v1/chat/completions"
    usage: dict[str, Any] | None = None  # the usage block answered, if any


@dataclass(frozen=True)
class ScriptedAnswer:
    """Content queued by `ModelEmulator.script` for one future call."""

    content: str
    finish_reason: str = "stop"


class Hold:
    """A gate on one future call: the request is held open until released or aborted."""

    def __init__(self, schema_name: str = "*") -> None:
        """Create an unused hold for calls matching `schema_name` ("*" for any)."""
        self.schema_name = schema_name
        self.request: RecordedRequest | None = None
        self._started = threading.Event()
        self._decided = threading.Event()
        self._aborted = False

    def release(self) -> None:
        """Let the held call (or the next matching one, if none arrived yet) be answered normally."""
        self._decided.set()

    def abort(self) -> None:
        """Drop the held call's connection without any HTTP response."""
        self._aborted = True
        self._decided.set()

    def wait_started(self, timeout: float | None = None) -> bool:
        """Wait until the held request has arrived; False if it did not within `timeout`."""
        return self._started.wait(timeout)

    @property
    def started(self) -> bool:
        """Whether a request has been caught by this hold."""
        return self._started.is_set()

    def catch(self, request: RecordedRequest) -> None:
        """Called by the server when this hold takes a request."""
        self.request = request
        self._started.set()

    def wait_decision(self, stopping: threading.Event) -> bool:
        """Block until release/abort or emulator stop; True means answer, False means drop."""
        while not self._decided.wait(0.05):
            if stopping.is_set():
                return False
        return not self._aborted
