"""The `worker` process: RQ workers for the bot's queue that outlive any Redis outage or stall."""

from __future__ import annotations

import logging
from typing import Any

import redis
from rq import Queue, SimpleWorker, Worker
from rq.job import Job
from rq.worker import BaseWorker

from bot.config import ConfigError, Settings
from bot.flow.jobs import JOBS
from bot.obs import metrics
from bot.obs.multiproc import merge_dead_processes
from bot.run.exposition import build_registry, json_response, serve_in_thread, serve_metrics
from bot.run.pricing import metric_prices
from bot.run.queues import RoundRobin, worker_queues
from bot.run.survive import LoopHealth, work_forever
from bot.run.warmup import warm_worker
from bot.wiring import build_runtime, connect_redis, probe_redis, set_runtime

log = logging.getLogger(__name__)


class _StopAware(BaseWorker):
    """Remembers a SIGTERM/SIGINT (RQ does not when idle), so a stop is told apart from RQ giving up."""

    health: LoopHealth | None = None
    stop_signalled = False

    def heartbeat(self, *args: Any, **kwargs: Any) -> None:
        """RQ's heartbeat (while idle and while a job runs), which also shows /healthz the loop is alive."""
        super().heartbeat(*args, **kwargs)
        if self.health is not None:
            self.health.mark("working")

    def request_stop(self, signum: Any, frame: Any) -> None:
        """Note that a stop was asked for, then RQ's warm shutdown."""
        self.stop_signalled = True
        super().request_stop(signum, frame)


class TechspecSimpleWorker(_StopAware, RoundRobin, SimpleWorker):
    """RQ's in-process worker reading the shard queues round-robin (the one-process development mode), stop-aware."""


class TechspecWorker(_StopAware, RoundRobin, Worker):
    """RQ's forking worker with a configurable heartbeat grace, a liveness mark, and metrics upkeep.

    RQ adds a fixed 60 s to every heartbeat, so a SIGKILLed worker's job is only re-queued a minute
    or more later; a shorter grace gets the thread its spec sooner after a crash.
    """

    heartbeat_grace = 60

    def get_heartbeat_ttl(self, job: Job) -> int:
        """Seconds until this worker's job counts as abandoned if no heartbeat arrives."""
        return super().get_heartbeat_ttl(job) - 60 + self.heartbeat_grace

    def execute_job(self, job: Job, queue: Queue) -> None:
        """Run the job in a forked process, then fold that process's metric files into the archive."""
        try:
            super().execute_job(job, queue)
        finally:
            merge_dead_processes()


def build_worker(settings: Settings, connection: redis.Redis, *, simple: bool = False) -> _StopAware:
    """A worker on the bot's queues, round-robin; `simple` runs jobs in-process (one-process development)."""
    queues = worker_queues(settings, connection)
    maintenance = settings.techspec_worker_maintenance_interval
    options: dict[str, Any] = {
        "connection": connection,
        "job_monitoring_interval": settings.techspec_worker_monitoring_interval,
        "maintenance_interval": maintenance,
        # An idle worker blocks on the queue for worker_ttl - 15 s (405 s by default) and only runs
        # maintenance (re-queueing jobs of dead workers) between blocks; keep the block this short.
        "worker_ttl": maintenance + 15,
    }
    if simple:
        return TechspecSimpleWorker(queues, **options)
    TechspecWorker.heartbeat_grace = settings.techspec_worker_heartbeat_grace
    return TechspecWorker(queues, **options)


def run_worker(settings: Settings) -> int:
    """Work the queue until asked to stop, waiting out Redis whenever it is unreachable or stalled."""
    assert settings.redis_url is not None  # required for this mode by load_settings
    rt = build_runtime(settings, connect_redis(settings.redis_url, settings), JOBS)
    set_runtime(rt)
    metrics.set_prices(metric_prices(settings))
    # An idle RQ worker blocks on the queue for up to the maintenance interval, and a stalled read times
    # out 10 s after that, three tries in all before RQ gives up: only longer silence means it is stuck.
    health = LoopHealth(stale_after=4.0 * (settings.techspec_worker_maintenance_interval + 10) + 30)
    if settings.techspec_metrics_port:
        start_worker_http(settings, rt.redis, health)
    # RQ forks a child per job: load once here what each child would otherwise load again.
    warm_worker(rt)

    def make() -> BaseWorker:
        worker = build_worker(settings, rt.redis)
        worker.health = health
        return worker

    probe = probe_redis(settings.redis_url, settings)
    return work_forever(make, probe, health, settings.techspec_log_level, with_scheduler=True)


def start_worker_http(settings: Settings, connection: redis.Redis, health: LoopHealth) -> None:
    """Serve /metrics and /healthz on TECHSPEC_METRICS_PORT from a thread of the worker's main process."""
    registry = build_registry(connection, settings.techspec_queue_prefix)

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return serve_metrics(registry, start_response)
        if path == "/healthz":
            status, body = health.report()
            return json_response(start_response, status, body)
        return json_response(start_response, "404 Not Found", {"error": "not found"})

    try:
        serve_in_thread(settings.techspec_metrics_port, app)
    except OSError as exc:
        raise ConfigError(
            "TECHSPEC_METRICS_PORT", f"{settings.techspec_metrics_port} cannot be listened on ({exc.strerror})"
        ) from None
