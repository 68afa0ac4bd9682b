"""Slack's Socket Mode for the emulator: `apps.connections.open` hands out a ws:// URL, and every request
the emulator would POST to a request URL is relayed to the bot over that connection as an envelope.

The relay is an HTTP server of its own: point `SlackEmulator.events_url` at `relay_url`, and signed
deliveries (events, slash commands, interactivity) become `events_api`, `slash_commands` and
`interactive` envelopes; the bot's ack (with its payload, if any) becomes the HTTP answer.
"""

from __future__ import annotations

import itertools
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from websockets.sync.server import ServerConnection, serve


class SocketModeRelay:
    """One app-level token's Socket Mode endpoint, with its relay of deliveries."""

    def __init__(self, app_token: str, ack_timeout: float = 3.0) -> None:
        self.app_token = app_token
        self.ack_timeout = ack_timeout
        self.connections: list[ServerConnection] = []
        self.opened = 0  # apps.connections.open calls that got a URL
        self.acks: dict[str, dict[str, Any]] = {}
        self._acked = threading.Condition()
        self._ids = itertools.count(1)
        self._send_lock = threading.Lock()
        self._ws = serve(self._connection, "127.0.0.1", 0)
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _relay_handler(self))

    @property
    def ws_url(self) -> str:
        """Where the bot's Socket Mode client connects."""
        return f"ws://127.0.0.1:{self._ws.socket.getsockname()[1]}/link"

    @property
    def relay_url(self) -> str:
        """The value for SlackEmulator.events_url."""
        return f"http://127.0.0.1:{self._http.server_address[1]}/relay"

    def start(self) -> SocketModeRelay:
        """Serve the websocket endpoint and the relay from daemon threads."""
        threading.Thread(target=self._ws.serve_forever, daemon=True).start()
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Close every connection and both servers."""
        for connection in list(self.connections):
            connection.close()
        self._ws.shutdown()
        self._http.shutdown()

    def open(self, token: str | None) -> dict[str, Any]:
        """The apps.connections.open answer for token."""
        if token is None:
            return {"ok": False, "error": "not_authed"}
        if token != self.app_token:
            return {"ok": False, "error": "invalid_auth"}
        self.opened += 1
        return {"ok": True, "url": self.ws_url}

    def _connection(self, connection: ServerConnection) -> None:
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0EMU"}}
        connection.send(json.dumps(hello))
        self.connections.append(connection)
        try:
            for message in connection:
                ack = json.loads(message)
                with self._acked:
                    self.acks[str(ack.get("envelope_id"))] = ack
                    self._acked.notify_all()
        except Exception:  # noqa: BLE001 - a dropped connection ends here, like Slack's side would
            pass
        finally:
            self.connections.remove(connection)

    def relay(self, body: bytes, content_type: str) -> tuple[int, bytes]:
        """Send one delivery as an envelope; (200, ack payload) once acked, (503, b"") with no connection."""
        if not self.connections:
            return 503, b""
        kind, payload = envelope_payload(body, content_type)
        envelope_id = f"env-{next(self._ids)}"
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload, "accepts_response_payload": True}
        with self._send_lock:
            self.connections[-1].send(json.dumps(envelope))
        with self._acked:
            if not self._acked.wait_for(lambda: envelope_id in self.acks, self.ack_timeout):
                return 504, b""
            ack = self.acks.pop(envelope_id)
        return 200, json.dumps(ack.get("payload") or {}).encode()


def envelope_payload(body: bytes, content_type: str) -> tuple[str, dict[str, Any]]:
    """The envelope type and payload Slack would send for the body it would have POSTed."""
    if content_type.startswith("application/json"):
        return "events_api", json.loads(body)
    form = dict(urllib.parse.parse_qsl(body.decode()))
    if "payload" in form:
        return "interactive", json.loads(form["payload"])
    return "slash_commands", form


def _relay_handler(relay: SocketModeRelay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            """Quiet."""

        def do_POST(self) -> None:
            """Relay one delivery."""
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, answer = relay.relay(body, self.headers.get("Content-Type") or "")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    return Handler
