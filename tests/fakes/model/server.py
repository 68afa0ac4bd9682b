"""HTTP plumbing for the model emulator: a stdlib threading server on 127.0.0.1 and its handler."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.model.completion import new_request_id
from tests.fakes.model.records import Headers


class Exchange(BaseHTTPRequestHandler):
    """One HTTP request/response; the emulator answers it through `send_json` or `drop`."""

    # HTTP/1.1 so the SDK's client sees a modern server; every answer still says `Connection: close`
    # so that a faulted or held connection can never be reused by the SDK's connection pool.
    protocol_version = "HTTP/1.1"
    server: EmulatorHTTPServer
    request_headers: Headers
    raw_body: bytes

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: per-request access logs would drown pytest output."""

    def do_GET(self) -> None:
        """Dispatch a GET to the emulator."""
        self._dispatch()

    def do_POST(self) -> None:
        """Dispatch a POST to the emulator."""
        self._dispatch()

    def _dispatch(self) -> None:
        """Read the whole body first: closing a socket with unread input sends RST, not a clean close."""
        self.request_headers = Headers(self.headers.items())
        length = int(self.headers.get("Content-Length") or 0)
        self.raw_body = self.rfile.read(length) if length > 0 else b""
        self.server.handle_exchange(self)

    @property
    def route(self) -> str:
        """The request path without any query string."""
        return self.path.split("?", 1)[0]

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> bool:
        """Write a JSON response with an `x-request-id`; False if the client had already hung up."""
        payload = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-request-id", new_request_id())
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            # a client that timed out or was aborted is gone; there is nobody left to tell
            return False
        return True

    def drop(self) -> None:
        """Close the connection without writing any HTTP response."""
        self.close_connection = True


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer on an ephemeral 127.0.0.1 port, handing each request to a callback."""

    # daemon threads: a held or stalled request must never keep pytest from exiting
    daemon_threads = True

    def __init__(self, handle_exchange: Callable[[Exchange], None]) -> None:
        """Bind to 127.0.0.1 on a free port chosen by the OS."""
        super().__init__(("127.0.0.1", 0), Exchange)
        self.handle_exchange = handle_exchange

    @property
    def port(self) -> int:
        """The port the OS assigned."""
        return int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients hanging up mid-answer (expected with timeouts); report real bugs."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)
