"""`python -m bot run`: the whole bot in one process for local development.

Socket Mode when SLACK_APP_TOKEN is set (no public URL needed), otherwise HTTP on $PORT; the
worker runs in the same process, and without REDIS_URL an embedded Redis-compatible server is used.
"""

from __future__ import annotations

import logging
import threading
import time
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import redis
from rq.scheduler import RQScheduler
from rq.worker import BaseWorker

from bot.config import Settings
from bot.flow.jobs import JOBS
from bot.listeners.app import create_app
from bot.obs import metrics
from bot.run.pricing import metric_prices
from bot.run.queues import worker_queues
from bot.run.survive import LoopHealth, work_forever
from bot.run.web import create_wsgi_app
from bot.run.worker import build_worker
from bot.wiring import build_runtime, connect_redis, probe_redis, set_runtime

log = logging.getLogger(__name__)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        """Silence per-request lines (they would include Slack's payload paths)."""


def embedded_store() -> redis.Redis:
    """An in-process Redis-compatible store (fakeredis) shared by the listeners, the worker and the scheduler.

    In-process rather than over TCP: fakeredis's TCP server drops other clients while one of them waits
    in a blocking pop, which is how an idle RQ worker waits for jobs.
    """
    from fakeredis import FakeRedis, FakeServer

    log.info("embedded redis started (state is lost on exit; set REDIS_URL to keep it)")
    return FakeRedis(server=FakeServer())


def run_development(settings: Settings) -> int:
    """Run listeners and worker together until interrupted."""
    connection = connect_redis(settings.redis_url, settings) if settings.redis_url else embedded_store()
    rt = build_runtime(settings, connection, JOBS)
    set_runtime(rt)
    metrics.set_prices(metric_prices(settings))
    if settings.slack_app_token is not None:
        from bot.run.socket_mode import connect_socket_mode

        connect_socket_mode(create_app(rt), settings.slack_app_token.get_secret_value())
    else:
        server = make_server(
            "0.0.0.0", settings.port, create_wsgi_app(rt), _ThreadingWSGIServer, handler_class=_QuietHandler
        )
        threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
        log.info("listening for Slack on /slack/events", extra={"port": settings.port})
    start_scheduler_thread(settings, rt.redis)
    # The worker runs jobs in this process (no fork) and in the main thread, where it can take signals;
    # like the production worker, it waits out a Redis outage instead of ending quietly.
    health = LoopHealth(stale_after=float("inf"))
    probe = probe_redis(settings.redis_url, settings) if settings.redis_url else rt.redis

    def make() -> BaseWorker:
        return build_worker(settings, rt.redis, simple=True)

    return work_forever(make, probe, health, settings.techspec_log_level, with_scheduler=False)


def start_scheduler_thread(settings: Settings, connection: redis.Redis) -> None:
    """Move delayed jobs (auto-write grace, reminders) onto the queue when due, from a thread.

    RQ's own scheduler runs in a forked process, which cannot share an in-process embedded store.
    """
    scheduler = RQScheduler([q.name for q in worker_queues(settings, connection)], connection=connection)

    def loop() -> None:
        while True:
            try:
                if not scheduler.acquired_locks:
                    scheduler.acquire_locks()
                scheduler.enqueue_scheduled_jobs()
            except redis.RedisError:
                log.warning("scheduler could not reach the store; retrying")
            time.sleep(1)

    threading.Thread(target=loop, name="scheduler", daemon=True).start()
