"""`python -m bot run`: the whole bot in one process for local development.

Socket Mode when SLACK_APP_TOKEN is set (no public URL needed), otherwise HTTP on $PORT; the
worker runs in the same process, and without REDIS_URL an embedded Redis-compatible server is used.
"""

from __future__ import annotations

import logging
import socket
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bot.config import Settings
from bot.runtime import build_runtime, set_runtime

log = logging.getLogger(__name__)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        """Silence per-request lines (they would include Slack's payload paths)."""


def start_embedded_redis() -> str:
    """Start an in-process Redis-compatible server (fakeredis) on a free port; return its URL."""
    from fakeredis import TcpFakeServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = TcpFakeServer(("127.0.0.1", port), server_type="redis")
    threading.Thread(target=server.serve_forever, name="embedded-redis", daemon=True).start()
    log.info("embedded redis started (state is lost on exit; set REDIS_URL to keep it)", extra={"port": port})
    return f"redis://127.0.0.1:{port}/0"


def run_development(settings: Settings) -> int:
    """Run listeners and worker together until interrupted."""
    from bot.app import create_app
    from bot.web import create_wsgi_app
    from bot.worker import build_worker

    rt = build_runtime(settings, settings.redis_url or start_embedded_redis())
    set_runtime(rt)
    if settings.slack_app_token is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        SocketModeHandler(create_app(rt), settings.slack_app_token.get_secret_value()).connect()
        log.info("connected over Socket Mode")
    else:
        server = make_server(
            "0.0.0.0", settings.port, create_wsgi_app(rt), _ThreadingWSGIServer, handler_class=_QuietHandler
        )
        threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
        log.info("listening for Slack on /slack/events", extra={"port": settings.port})
    # The worker runs jobs in this process (no fork) and in the main thread, where it can take signals.
    build_worker(settings, rt.redis, simple=True).work(with_scheduler=True)
    return 0
