"""The `worker` process: an RQ worker for the bot's queue, with faster detection of dead workers."""

from __future__ import annotations

import logging
import time
from typing import Any

import redis
from rq import SimpleWorker, Worker
from rq.job import Job
from rq.worker import BaseWorker

from bot.config import Settings
from bot.flow.jobs import JOBS
from bot.run.queues import RoundRobin, worker_queues
from bot.run.warmup import warm_worker
from bot.wiring import build_runtime, connect_redis, set_runtime

log = logging.getLogger(__name__)


class FairSimpleWorker(RoundRobin, SimpleWorker):
    """RQ's in-process worker reading the shard queues round-robin (the one-process development mode)."""


class TechspecWorker(RoundRobin, Worker):
    """RQ's forking worker with a configurable heartbeat grace.

    RQ adds a fixed 60 s to every heartbeat, so a SIGKILLed worker's job is only re-queued a minute
    or more later; a shorter grace gets the thread its spec sooner after a crash.
    """

    heartbeat_grace = 60

    def get_heartbeat_ttl(self, job: Job) -> int:
        """Seconds until this worker's job counts as abandoned if no heartbeat arrives."""
        return super().get_heartbeat_ttl(job) - 60 + self.heartbeat_grace


def build_worker(settings: Settings, connection: redis.Redis, *, simple: bool = False) -> BaseWorker:
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
        return FairSimpleWorker(queues, **options)
    TechspecWorker.heartbeat_grace = settings.techspec_worker_heartbeat_grace
    return TechspecWorker(queues, **options)


def run_worker(settings: Settings) -> int:
    """Work the queue until stopped; wait and reconnect while Redis is unreachable."""
    assert settings.redis_url is not None  # required for this mode by load_settings
    rt = build_runtime(settings, connect_redis(settings.redis_url), JOBS)
    set_runtime(rt)
    # RQ forks a child per job: load once here what each child would otherwise load again.
    warm_worker(rt)
    delay = 1.0
    while True:
        try:
            rt.redis.ping()
            delay = 1.0
            worker = build_worker(settings, rt.redis)
            log.info("worker starting", extra={"worker": worker.name})
            worker.work(with_scheduler=True, logging_level=settings.techspec_log_level.upper())
            if getattr(worker, "_shutdown_requested_date", None) is not None:  # SIGTERM or SIGINT
                return 0
            # RQ ends its loop, without raising, when it loses Redis and its teardown then succeeds (its
            # scheduler releases one lock per queue first, so with the shard queues that is likely): go on.
            log.warning("worker loop ended without a stop request; starting again", extra={"retry_in_s": delay})
            time.sleep(delay)
        except redis.ConnectionError as exc:
            log.warning("redis unreachable; retrying", extra={"error": type(exc).__name__, "retry_in_s": delay})
            time.sleep(delay)
            delay = min(delay * 2, 30.0)
