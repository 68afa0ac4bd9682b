"""The `web` process: Slack's requests on POST /slack/events, and GET /healthz, behind gunicorn."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

import redis
from gunicorn.app.base import BaseApplication
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.config import Settings
from bot.flow.jobs import JOBS
from bot.listeners.app import create_app
from bot.wiring import Runtime, build_runtime, connect_redis

log = logging.getLogger(__name__)
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def health(rt: Runtime) -> tuple[str, dict[str, Any]]:
    """HTTP status and body for /healthz: 200 when Redis answers, 503 otherwise."""
    try:
        rt.redis.ping()
    except redis.RedisError as exc:
        return "503 Service Unavailable", {"status": "unavailable", "redis": "unreachable", "error": type(exc).__name__}
    return "200 OK", {"status": "ok", "redis": "ok"}


def create_wsgi_app(rt: Runtime) -> WsgiApp:
    """A WSGI app routing /slack/events to Bolt and /healthz to the health check."""
    bolt = SlackRequestHandler(create_app(rt))

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            status, body = health(rt)
            return _json(start_response, status, body)
        if path == "/slack/events":
            try:
                return bolt(environ, start_response)
            except Exception:  # noqa: BLE001 - e.g. a body that is not JSON; Bolt raises while parsing
                log.warning("unparseable request to /slack/events", exc_info=True)
                # 400 with X-Slack-No-Retry: retrying the same malformed body cannot help.
                return _json(start_response, "400 Bad Request", {"error": "malformed request"}, no_retry=True)
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return application


def _json(start_response: Callable[..., Any], status: str, body: dict[str, Any], no_retry: bool = False) -> list[bytes]:
    data = json.dumps(body).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    if no_retry:
        headers.append(("X-Slack-No-Retry", "1"))
    start_response(status, headers)
    return [data]


class WebServer(BaseApplication):
    """gunicorn, configured in code: threaded workers, each building its own runtime after the fork."""

    def __init__(self, build: Callable[[], WsgiApp], options: dict[str, Any]) -> None:
        self.build = build
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply our options to gunicorn's config."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        """Build the app inside the worker process (clients are never shared across a fork)."""
        return self.build()


def serve(build: Callable[[], WsgiApp], port: int, workers: int, threads: int) -> None:
    """Run gunicorn on 0.0.0.0:port until it is stopped."""
    options = {
        "bind": f"0.0.0.0:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 30,
        "graceful_timeout": 20,
        "keepalive": 5,
        "accesslog": None,
        "loglevel": "warning",
    }
    WebServer(build, options).run()


def run_web(settings: Settings) -> int:
    """Serve Slack's requests with gunicorn until stopped."""
    assert settings.redis_url is not None  # required for this mode by load_settings
    url = settings.redis_url
    log.info("web starting", extra={"port": settings.port})
    # Each gunicorn worker builds its own runtime after the fork: connections are never shared across one.
    serve(
        lambda: create_wsgi_app(build_runtime(settings, connect_redis(url), JOBS)),
        settings.port,
        settings.techspec_web_workers,
        settings.techspec_web_threads,
    )
    return 0
