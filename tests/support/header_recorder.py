"""A second local HTTP host that records every request (path, Authorization header) and serves text:
where a hostile url_private points, so a test can see that the bot token never reaches it."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class HeaderRecorder(ThreadingHTTPServer):
    """Records (path, Authorization) of each GET; serves 'file body', or redirects /go?to=<url>."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def origin(self) -> str:
        """http://127.0.0.1:<port>."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> HeaderRecorder:
        """Serve in a daemon thread."""
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: HeaderRecorder

    def log_message(self, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        """Record, then redirect or serve."""
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        if self.path.startswith("/go?to="):
            self.send_response(302)
            self.send_header("Location", self.path[len("/go?to=") :])
            self.end_headers()
            return
        body = b"file body"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
