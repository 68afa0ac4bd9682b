"""GET /metrics (Prometheus text format) for the web and the worker, and the worker's own HTTP port.

The counters and histograms come from every process of this process tree (multiprocess mode, see
bot.obs.multiproc); queue depth, the oldest job's age and the live workers are read from Redis at
scrape time, so any web or worker reports the same queue.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import redis
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.worker_registration import get_keys

from bot.obs.multiproc import ENV, files_lock
from bot.store.keys import is_shard_queue_name

log = logging.getLogger(__name__)
StartResponse = Callable[..., Any]


def live_workers(connection: redis.Redis, queue_name: str) -> int:
    """RQ workers on the queue whose heartbeat key has not expired (a dead one's expires in about a minute)."""
    keys = sorted(get_keys(Queue(queue_name, connection=connection), connection=connection))
    if not keys:
        return 0
    with connection.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.exists(key)
        return sum(1 for found in pipe.execute() if found)


class QueueCollector:
    """Queue gauges read from Redis when scraped: depth, oldest job's age, registries, live workers."""

    def __init__(self, connection: redis.Redis, queue_name: str) -> None:
        self.connection = connection
        self.queue_name = queue_name

    def collect(self) -> Iterator[Metric]:
        """Yield the gauges; only techspec_redis_up 0 when Redis cannot be read."""
        up = GaugeMetricFamily("techspec_redis_up", "1 when this process could read Redis during the scrape")
        try:
            gauges = self._gauges()
        except redis.RedisError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from gauges

    def _gauges(self) -> list[Metric]:
        queues = self._queues()
        jobs = GaugeMetricFamily("techspec_queue_jobs", "Jobs in the queues' registries, by state", labels=["state"])
        jobs.add_metric(["queued"], sum(q.count for q in queues))
        jobs.add_metric(["scheduled"], sum(q.scheduled_job_registry.count for q in queues))
        jobs.add_metric(["started"], sum(q.started_job_registry.count for q in queues))
        jobs.add_metric(["failed"], sum(q.failed_job_registry.count for q in queues))
        age = GaugeMetricFamily("techspec_queue_oldest_job_age_seconds", "Age of the job waiting longest (0: none)")
        age.add_metric([], max(self._oldest_age(q) for q in queues))
        workers = GaugeMetricFamily("techspec_workers_alive", "RQ workers with a live heartbeat on the queue")
        workers.add_metric([], live_workers(self.connection, self.queue_name))
        return [jobs, age, workers]

    def _queues(self) -> list[Queue]:
        """Every queue jobs wait on: the shard queues (whatever their number now) and the unsharded one."""
        shards = [q for q in Queue.all(connection=self.connection) if is_shard_queue_name(self.queue_name, q.name)]
        return [*shards, Queue(self.queue_name, connection=self.connection)]

    def _oldest_age(self, queue: Queue) -> float:
        head = queue.get_job_ids(0, 1)
        try:
            job = Job.fetch(head[0], connection=self.connection) if head else None
        except NoSuchJobError:  # taken by a worker (or expired) between the two reads
            return 0.0
        if job is None or job.enqueued_at is None:
            return 0.0
        return max(0.0, time.time() - job.enqueued_at.timestamp())


def build_registry(connection: redis.Redis, queue_name: str) -> CollectorRegistry:
    """A registry with every process's metrics of this tree (or this process's) and the queue gauges."""
    registry = CollectorRegistry()
    if os.environ.get(ENV):
        MultiProcessCollector(registry)
    else:
        registry.register(_Default())
    registry.register(QueueCollector(connection, queue_name))
    return registry


class _Default:
    """The process's default registry (tests and the one-process development mode)."""

    def collect(self) -> Iterable[Metric]:
        """Everything recorded in this process."""
        return REGISTRY.collect()


def metrics_body(registry: CollectorRegistry) -> bytes:
    """The Prometheus text exposition, read while no merge of dead processes' files is under way."""
    with files_lock:
        return generate_latest(registry)


def serve_metrics(registry: CollectorRegistry, start_response: StartResponse) -> list[bytes]:
    """A WSGI response for GET /metrics."""
    body = metrics_body(registry)
    start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body)))])
    return [body]


def json_response(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    """A small JSON WSGI response."""
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        """No access log lines: scrapes every 15 s would drown the bot's own lines."""


def serve_in_thread(port: int, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> WSGIServer:
    """Serve app on 0.0.0.0:port from a daemon thread (the worker's /metrics and /healthz)."""
    server = make_server("0.0.0.0", port, app, _ThreadingServer, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="worker-http", daemon=True).start()
    log.info("worker serving /metrics and /healthz", extra={"port": port})
    return server
