"""ModelEmulator: a real HTTP, OpenAI-compatible chat completions endpoint for tests."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from tests.fakes.model import faults as flt
from tests.fakes.model import profiles
from tests.fakes.model.answers import default_answer, prompt_text, schema_name_of
from tests.fakes.model.completion import (
    DEFAULT_MODEL,
    cached_tokens,
    chat_completion,
    error_body,
    first_message_text,
    model_list,
)
from tests.fakes.model.records import Headers, Hold, RecordedRequest, ScriptedAnswer
from tests.fakes.model.server import EmulatorHTTPServer, Exchange
from tests.fakes.model.validation import parse_body, validation_error

Responder = Callable[[str | None, dict[str, Any]], dict[str, Any] | str | None]
CHAT_PATHS = frozenset({"/v1/chat/completions", "/chat/completions"})
MODELS_PATHS = frozenset({"/v1/models", "/models"})


def _matches(pattern: str | None, schema_name: str | None) -> bool:
    """Whether a script/fault/hold registered for `pattern` applies to a call."""
    return pattern == "*" or pattern == schema_name


class ModelEmulator:
    """An OpenAI-compatible model on 127.0.0.1: records requests, answers, and injects faults."""

    def __init__(self, api_key: str = "test-key", *, models: Iterable[str] = (DEFAULT_MODEL,)) -> None:
        """Create a stopped emulator that accepts only `Authorization: Bearer <api_key>`."""
        self.api_key = api_key
        self.models = tuple(models)
        # the live list, appended to by server threads; tests may read or clear it
        self.requests: list[RecordedRequest] = []
        self.responder: Responder | None = None
        self.latency: float = 0.0
        self.report_usage = True  # False: answer without a `usage` block, as some compatible servers do
        # How this server differs from OpenAI (formats, window, slots, metadata): tests swap it.
        self.profile = profiles.ServerProfile()
        self._lock = threading.Lock()
        self._faults: list[flt.Fault] = []
        self._scripts: dict[str, deque[ScriptedAnswer]] = {}
        self._holds: list[Hold] = []
        self._last_first_message: str | None = None
        self._stopping = threading.Event()
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> ModelEmulator:
        """Start serving on an ephemeral port (idempotent); returns self for chaining."""
        if self._server is None:
            self._stopping.clear()
            self._server = EmulatorHTTPServer(self._handle)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                daemon=True,
                name=f"model-emulator-{self._server.port}",
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; held, stalled and delayed requests are woken and dropped."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ModelEmulator:
        """Start on entering a `with` block."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop on leaving a `with` block."""
        self.stop()

    @property
    def port(self) -> int:
        """The port being served (only while started)."""
        if self._server is None:
            raise RuntimeError("ModelEmulator is not started")
        return self._server.port

    @property
    def base_url(self) -> str:
        """The value for OPENAI_BASE_URL, e.g. http://127.0.0.1:54321/v1."""
        return f"http://127.0.0.1:{self.port}/v1"

    # ------------------------------------------------------------------ test-facing API

    def calls(self, schema_name: str | None) -> list[RecordedRequest]:
        """Recorded requests whose schema name matches ("*" for all, None for non-schema calls)."""
        return [r for r in list(self.requests) if _matches(schema_name, r.schema_name)]

    @staticmethod
    def prompt_text(request: RecordedRequest | dict[str, Any]) -> str:
        """All message contents of a request joined with newlines."""
        return prompt_text(request.body if isinstance(request, RecordedRequest) else request)

    def script(self, schema_name: str, content: dict[str, Any] | str, *, finish_reason: str = "stop") -> None:
        """Queue an answer (dict is JSON-dumped, str used verbatim) for the next matching call."""
        text = content if isinstance(content, str) else json.dumps(content)
        with self._lock:
            self._scripts.setdefault(schema_name, deque()).append(ScriptedAnswer(text, finish_reason))

    def fault(
        self,
        kind: str,
        *,
        schema_name: str = "*",
        count: int = 1,
        retry_after: float = 1.0,
        seconds: float | None = None,
    ) -> None:
        """Make the next `count` matching calls fail with `kind` (see faults.FAULT_KINDS)."""
        new = flt.Fault(kind, schema_name, count, retry_after, seconds)
        with self._lock:
            self._faults.append(new)

    def hold(self, schema_name: str = "*") -> Hold:
        """Hold the next matching call open until `release()` or `abort()`."""
        gate = Hold(schema_name)
        with self._lock:
            self._holds.append(gate)
        return gate

    def clear(self) -> None:
        """Forget queued faults, scripts and holds (unused holds are released); keeps `requests`."""
        with self._lock:
            holds, self._holds = self._holds, []
            self._faults.clear()
            self._scripts.clear()
        for gate in holds:
            gate.release()

    # ------------------------------------------------------------------ request handling

    def _handle(self, ex: Exchange) -> None:
        """Route one HTTP request (runs on a server thread)."""
        if ex.command == "POST" and ex.route in CHAT_PATHS:
            self._chat(ex)
        elif ex.command == "GET" and ex.route in MODELS_PATHS:
            auth = self._auth_error(ex.request_headers)
            error = auth or flt.HttpError(200, {}, model_list(self.models, self.profile.model_fields))
            ex.send_json(error.status, error.body, error.headers)
        elif ex.command == "GET" and ex.route == "/props" and self.profile.props is not None:
            ex.send_json(200, self.profile.props)
        else:
            message = f"Unknown request URL: {ex.command} {ex.route}."
            ex.send_json(404, error_body(message, "invalid_request_error", "unknown_url"))

    def _chat(self, ex: Exchange) -> None:
        """Record, validate, gate, fault and answer one chat completion request."""
        body = parse_body(ex.raw_body)
        record = RecordedRequest(body or {}, ex.request_headers, schema_name_of(body or {}), time.time())
        self.requests.append(record)
        rejection = self._auth_error(ex.request_headers) or validation_error(body)
        rejection = rejection or (profiles.rejection(self.profile, body) if body is not None else None)
        if rejection is not None:
            self._send(ex, record, rejection.status, rejection.body, rejection.headers)
            return
        cached = self._cached_tokens(record.body)
        gate = self.profile.gate()
        if gate is not None:
            gate.acquire()  # a one-slot server: this generation waits for the running one
        try:
            self.profile.running += 1
            self.profile.most_running = max(self.profile.most_running, self.profile.running)
            self._answer(ex, record, cached) if self._pass_holds(record) else ex.drop()
        finally:
            self.profile.running -= 1
            if gate is not None:
                gate.release()

    def _answer(self, ex: Exchange, record: RecordedRequest, cached: int) -> None:
        """Apply the next matching fault, if any, after `latency`; else answer normally."""
        fault: flt.Fault | None = self._take(self._faults, record.schema_name)
        if fault is not None and fault.kind in flt.CONNECTION_FAULTS:
            if fault.kind == "timeout":
                self._stopping.wait(fault.stall_seconds)  # say nothing; the client's read timeout fires
            ex.drop()
        elif not self._delay():
            ex.drop()
        elif fault is not None and fault.kind in flt.HTTP_FAULTS:
            error = flt.http_error(fault)
            self._send(ex, record, error.status, error.body, error.headers)
        else:
            self._send(ex, record, 200, self._completion(record, fault, cached))

    def _send(self, ex: Exchange, record: RecordedRequest, status: int, body: Any, headers: Any = None) -> None:
        """Write the answer and note its status on the record."""
        record.response_status = status
        record.usage = body.get("usage") if isinstance(body, dict) else None
        ex.send_json(status, body, headers)

    def _auth_error(self, headers: Headers) -> flt.HttpError | None:
        """401 unless the request carries `Authorization: Bearer <api_key>`."""
        if headers.get("authorization", "") == f"Bearer {self.api_key}":
            return None
        message = (
            "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."
        )
        return flt.HttpError(401, {}, error_body(message, "invalid_request_error", "invalid_api_key"))

    def _cached_tokens(self, body: dict[str, Any]) -> int:
        """Prompt-cache hit against the previous accepted request's first message."""
        first = first_message_text(body)
        with self._lock:
            previous, self._last_first_message = self._last_first_message, first
        return cached_tokens(previous, first)

    def _take(self, queue: list[Any], schema_name: str | None) -> Any:
        """Pop (or count down) the first fault/hold registered for this call's schema name."""
        with self._lock:
            for item in queue:
                if not _matches(item.schema_name, schema_name):
                    continue
                if isinstance(item, flt.Fault) and item.remaining > 1:
                    item.remaining -= 1
                else:
                    queue.remove(item)
                return item
        return None

    def _pass_holds(self, record: RecordedRequest) -> bool:
        """Wait at a matching hold, if any; False means the call must be dropped."""
        gate: Hold | None = self._take(self._holds, record.schema_name)
        if gate is None:
            return True
        gate.catch(record)
        return gate.wait_decision(self._stopping)

    def _delay(self) -> bool:
        """Sleep `latency` seconds (interruptible by stop); False if the emulator is stopping."""
        if self.latency > 0:
            self._stopping.wait(self.latency)
        return not self._stopping.is_set()

    def _completion(self, record: RecordedRequest, fault: flt.Fault | None, cached: int) -> dict[str, Any]:
        """The 200 body: a content fault, else a script, the responder, or the default answer."""
        if fault is not None:
            # a faulted call never consumes a script: the script is meant for the call that succeeds
            broken = flt.broken_completion(fault.kind, json.dumps(default_answer(record.body)))
            return chat_completion(
                record.body,
                content=broken.content,
                finish_reason=broken.finish_reason,
                refusal=broken.refusal,
                cached=cached,
            )
        content, finish_reason = self._content(record)
        body = chat_completion(record.body, content=content, finish_reason=finish_reason, cached=cached)
        if not self.report_usage:
            body.pop("usage", None)
        return body

    def _content(self, record: RecordedRequest) -> tuple[str, str]:
        """Scripted content (own schema name first, then "*"), else responder, else default."""
        if profiles.grammar_fails(self.profile, record.body):
            return '{"response": "Here is the information you asked for."}', "stop"  # the schema was dropped
        with self._lock:
            for key in (record.schema_name, "*"):
                queue = self._scripts.get(key) if key is not None else None
                if queue:
                    scripted = queue.popleft()
                    return scripted.content, scripted.finish_reason
        answer = self.responder(record.schema_name, record.body) if self.responder is not None else None
        if answer is None:
            answer = default_answer(record.body)
        return (answer if isinstance(answer, str) else json.dumps(answer)), "stop"
