"""The `worker` process: an RQ worker for the bot's queue, with faster detection of dead workers."""

from __future__ import annotations

from typing import Any

import redis
from rq import Queue, SimpleWorker, Worker
from rq.job import Job
from rq.worker import BaseWorker

from bot.config import Settings


class TechspecWorker(Worker):
    """RQ's forking worker with a configurable heartbeat grace.

    RQ adds a fixed 60 s to every heartbeat, so a SIGKILLed worker's job is only re-queued a minute
    or more later; a shorter grace gets the thread its spec sooner after a crash.
    """

    heartbeat_grace = 60

    def get_heartbeat_ttl(self, job: Job) -> int:
        """Seconds until this worker's job counts as abandoned if no heartbeat arrives."""
        return super().get_heartbeat_ttl(job) - 60 + self.heartbeat_grace


def build_worker(settings: Settings, connection: redis.Redis, *, simple: bool = False) -> BaseWorker:
    """A worker on the bot's queue; `simple` runs jobs in-process (the one-process development mode)."""
    queue = Queue(settings.techspec_queue_prefix, connection=connection)
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
        return SimpleWorker([queue], **options)
    TechspecWorker.heartbeat_grace = settings.techspec_worker_heartbeat_grace
    return TechspecWorker([queue], **options)
