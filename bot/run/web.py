"""The `web` process: Slack's requests on POST /slack/events, GET /healthz and GET /metrics, behind gunicorn.

In OAuth mode also GET /slack/install (the "Add to Slack" page) and GET /slack/oauth_redirect (Slack's return).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import redis
from gunicorn.app.base import BaseApplication
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.config import Settings
from bot.flow.jobs import JOBS
from bot.listeners.app import INSTALL_PATH, REDIRECT_PATH, create_app
from bot.obs import metrics
from bot.obs.multiproc import process_dead
from bot.run.exposition import build_registry, json_response, live_workers, serve_metrics
from bot.run.pricing import metric_prices
from bot.spec.sandbox import start_isolation
from bot.store.keys import signature_warning_key
from bot.wiring import Runtime, build_runtime, connect_redis, probe_redis

log = logging.getLogger(__name__)
OAUTH_PATHS = (INSTALL_PATH, REDIRECT_PATH)
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def health(rt: Runtime, probe: redis.Redis | None = None) -> tuple[str, dict[str, Any]]:
    """HTTP status and body for /healthz: 200 when Redis answers (with the live workers), 503 otherwise."""
    client = probe or rt.redis
    try:
        client.ping()
        workers = live_workers(client, rt.settings.techspec_queue_prefix)
    except redis.RedisError as exc:
        return "503 Service Unavailable", {"status": "unavailable", "redis": "unreachable", "error": type(exc).__name__}
    return "200 OK", {"status": "ok", "redis": "ok", "workers": workers}


class SignatureAlarm:
    """One WARNING a minute at most while requests fail Slack's signature check (never the secret).

    Once a minute across every web process: the first to set a Redis key with a 60 s expiry warns
    (each process on its own when Redis is unreachable).
    """

    def __init__(self, connection: redis.Redis, key: str, every: int = 60) -> None:
        self.connection, self.key, self.every = connection, key, every
        self.last, self.suppressed = -float(every), 0
        self.lock = threading.Lock()

    def refused(self) -> None:
        """Count a refused request and warn if nobody warned in the last minute."""
        metrics.SIGNATURE_FAILURES.inc()
        with self.lock:
            self.suppressed += 1
            if not self._my_turn():
                return
            count, self.suppressed = self.suppressed, 0
        log.warning(
            "requests to /slack/events failed the signature check: is SLACK_SIGNING_SECRET this app's signing secret?",
            extra={"refused_here_since_last_warning": count},
        )

    def _my_turn(self) -> bool:
        try:
            return bool(self.connection.set(self.key, "1", nx=True, ex=self.every))
        except redis.RedisError:
            now = time.monotonic()
            if now - self.last < self.every:
                return False
            self.last = now
            return True


def create_wsgi_app(rt: Runtime, probe: redis.Redis | None = None) -> WsgiApp:
    """A WSGI app routing /slack/events to Bolt, /healthz to the health check and /metrics to Prometheus."""
    bolt = SlackRequestHandler(create_app(rt))
    registry = build_registry(probe or rt.redis, rt.settings.techspec_queue_prefix)
    alarm = SignatureAlarm(probe or rt.redis, signature_warning_key(rt.settings.techspec_queue_prefix))

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            status, body = health(rt, probe)
            return json_response(start_response, status, body)
        if path == "/metrics":
            return serve_metrics(registry, start_response)
        if path == "/slack/events" or (path in OAUTH_PATHS and rt.installations is not None):
            # OAuth mode: Bolt serves the install page and the redirect (and checks its state) itself.
            return _slack(bolt, alarm, environ, start_response)
        return json_response(start_response, "404 Not Found", {"error": "not found"})

    return application


def _slack(bolt: SlackRequestHandler, alarm: SignatureAlarm, environ: dict[str, Any], start: Callable[..., Any]) -> Any:
    def noting_refusals(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
        if status.startswith("401"):
            alarm.refused()
        return start(status, headers, *args)

    try:
        return bolt(environ, noting_refusals)
    except Exception:  # noqa: BLE001 - e.g. a body that is not JSON; Bolt raises while parsing
        log.warning("unparseable request to /slack/events", exc_info=True)
        # 400 with X-Slack-No-Retry: retrying the same malformed body cannot help.
        data = b'{"error": "malformed request"}'
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data))), ("X-Slack-No-Retry", "1")]
        start("400 Bad Request", headers)
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
    """Run gunicorn on 0.0.0.0:port until it is stopped (SIGTERM: finish requests in flight, then exit)."""
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
        # A dead gunicorn worker's live gauges leave the multiprocess directory with it.
        "child_exit": lambda _server, worker: process_dead(worker.pid),
    }
    WebServer(build, options).run()


def build_web_app(settings: Settings) -> WsgiApp:
    """The app of one gunicorn worker, with its own clients."""
    assert settings.redis_url is not None  # required for this mode by load_settings
    # Short timeouts: Slack wants an ack within 3 s, so a stalled Redis must fail a request fast.
    connection = connect_redis(settings.redis_url, settings, socket_timeout=2.0, retries=1)
    metrics.set_prices(metric_prices(settings))
    start_isolation()  # admins' templates are checked in its children, within Slack's 3 s
    return create_wsgi_app(build_runtime(settings, connection, JOBS), probe_redis(settings.redis_url, settings))


def run_web(settings: Settings) -> int:
    """Serve Slack's requests with gunicorn until stopped."""
    log.info("web starting", extra={"port": settings.port})
    if settings.oauth_mode():
        log.info("installs by OAuth: open /slack/install in a browser to add the app to a workspace")
    # Each gunicorn worker builds its own runtime after the fork: connections are never shared across one.
    serve(lambda: build_web_app(settings), settings.port, settings.techspec_web_workers, settings.techspec_web_threads)
    return 0
