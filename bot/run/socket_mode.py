"""The `socket` process: Slack's events over Socket Mode, for a company without a public URL.

The production counterpart of `web`: it acks and enqueues exactly as the web does, and real `worker`
processes run the jobs (unlike `run`, the one-process development mode). Run one or a few; Slack
sends each event to one of the open connections.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError

from bot.config import ConfigError, Settings
from bot.flow.jobs import JOBS
from bot.listeners.app import create_app
from bot.obs import metrics
from bot.run.exposition import build_registry, json_response, serve_in_thread, serve_metrics
from bot.run.pricing import metric_prices
from bot.run.web import health
from bot.wiring import build_runtime, connect_redis, probe_redis, set_runtime

log = logging.getLogger(__name__)


def connect_socket_mode(app: App, app_token: str) -> SocketModeHandler:
    """Open the Socket Mode connection; a rejected SLACK_APP_TOKEN is one line, not a traceback."""
    handler = SocketModeHandler(app, app_token)
    try:
        handler.connect()
    except SlackApiError as exc:
        code = exc.response.get("error", "unknown") if exc.response is not None else "unknown"
        raise ConfigError(
            "SLACK_APP_TOKEN", f"was rejected by Slack ({code}): use an app-level token with connections:write"
        ) from None
    log.info("connected over Socket Mode")
    return handler


def run_socket(settings: Settings) -> int:
    """Listen over Socket Mode until SIGTERM; workers run the jobs."""
    assert settings.redis_url is not None and settings.slack_app_token is not None  # required by load_settings
    connection = connect_redis(settings.redis_url, settings, socket_timeout=2.0, retries=1)
    rt = build_runtime(settings, connection, JOBS)
    set_runtime(rt)
    metrics.set_prices(metric_prices(settings))
    handler = connect_socket_mode(create_app(rt), settings.slack_app_token.get_secret_value())
    probe = probe_redis(settings.redis_url, settings)
    if settings.techspec_metrics_port:
        registry = build_registry(probe, settings.techspec_queue_prefix)

        def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            if environ.get("PATH_INFO") == "/metrics":
                return serve_metrics(registry, start_response)
            status, body = health(rt, probe)
            if not handler.client.is_connected():
                status, body = "503 Service Unavailable", {**body, "status": "unavailable", "socket": "disconnected"}
            return json_response(start_response, status, body)

        serve_in_thread(settings.techspec_metrics_port, app)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    log.info("socket mode stopping")
    handler.close()
    return 0
