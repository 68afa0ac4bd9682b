"""Keep RQ's work loop running through Redis outages and stalls of any length.

RQ's `Worker.work()` returns normally (it does not raise) when Redis times out, and quits on any
error outside a job; a wrapper that then exits 0 leaves no worker behind a supervisor that restarts
only failures. Here the loop is started again once Redis answers, with capped, jittered backoff.
"""

from __future__ import annotations

import logging
import random
import signal
import time
from collections.abc import Callable
from typing import Any

import redis
from rq.exceptions import StopRequested
from rq.worker import BaseWorker

from bot.obs import metrics

log = logging.getLogger(__name__)
# The loop giving up this often while Redis answers is a defect, not an outage: exit and be restarted.
MAX_QUICK_QUITS, QUICK_QUIT_WINDOW = 10, 300.0


class LoopHealth:
    """When the worker last showed its loop is alive, and what it is doing (for the worker's /healthz)."""

    def __init__(self, stale_after: float) -> None:
        self.stale_after = stale_after
        self.state = "starting"
        self.beat = time.monotonic()

    def mark(self, state: str) -> None:
        """Record that the loop is alive and in state."""
        self.state, self.beat = state, time.monotonic()

    def report(self) -> tuple[str, dict[str, Any]]:
        """200 while the loop works or waits for Redis and has marked itself recently; 503 when it went silent."""
        silent = round(time.monotonic() - self.beat, 1)
        body = {"status": "ok", "state": self.state, "seconds_since_heartbeat": silent}
        if silent > self.stale_after:
            return "503 Service Unavailable", {**body, "status": "stale"}
        return "200 OK", body


class Backoff:
    """Capped exponential waits with jitter, so many workers do not reconnect in step."""

    def __init__(self, first: float = 0.5, cap: float = 15.0) -> None:
        self.first, self.cap, self.next = first, cap, first

    def wait(self) -> float:
        """Sleep for the next delay and return it."""
        delay = self.next * random.uniform(0.8, 1.2)
        self.next = min(self.next * 2, self.cap)
        time.sleep(delay)
        return delay

    def reset(self) -> None:
        """Start again from the first delay."""
        self.next = self.first


def _stop(signum: int, frame: Any) -> None:
    raise StopRequested()


def wait_for_redis(probe: redis.Redis, backoff: Backoff, health: LoopHealth) -> None:
    """Return once Redis answers PING (on a short-timeout client), sleeping with backoff meanwhile."""
    waited = 0.0
    while True:
        try:
            probe.ping()
        except redis.RedisError as exc:
            health.mark("waiting for redis")
            if waited == 0.0:
                # redis-py's messages name the host, port and cause (refused, timeout, certificate), never a password.
                detail = {"error_type": type(exc).__name__, "detail": str(exc)[:200]}
                log.warning("redis unreachable; the worker waits for it", extra=detail)
            waited += backoff.wait()
            continue
        if waited:
            log.info("redis is back; the worker resumes", extra={"waited_s": round(waited, 1)})
        backoff.reset()
        return


def work_forever(
    make_worker: Callable[[], BaseWorker], probe: redis.Redis, health: LoopHealth, level: str, *, with_scheduler: bool
) -> int:
    """Run RQ's loop, again each time it gives up; 0 when asked to stop, 1 when it keeps quitting."""
    backoff = Backoff()
    quits: list[float] = []
    try:
        while True:
            signal.signal(signal.SIGTERM, _stop)  # RQ installs its own inside work()
            signal.signal(signal.SIGINT, _stop)
            wait_for_redis(probe, backoff, health)
            worker = make_worker()
            log.info("worker starting", extra={"worker": worker.name})
            try:
                worker.work(with_scheduler=with_scheduler, logging_level=level)
            except redis.RedisError as exc:  # RQ's own teardown could not reach Redis either
                log.warning("worker loop ended on a redis error", extra={"error_type": type(exc).__name__})
            if getattr(worker, "stop_signalled", False):
                return 0
            metrics.WORKER_LOOP_RESTARTS.inc()
            now = time.monotonic()
            quits = [t for t in quits if now - t < QUICK_QUIT_WINDOW] + [now]
            if len(quits) >= MAX_QUICK_QUITS:
                log.error("worker loop keeps quitting while redis answers; exiting to be restarted")
                return 1
            log.warning("worker loop gave up (redis timeout or error); starting it again")
            backoff.wait()
    except StopRequested:
        log.info("worker stopped on request")
        return 0
