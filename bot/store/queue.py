"""The Redis-backed job queue (RQ): enqueue by dotted path with deterministic, unique job ids."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import timedelta
from typing import Any

import redis
from rq import Callback, Queue, Retry
from rq.exceptions import DuplicateJobError

log = logging.getLogger(__name__)


def job_id(step: str, session_key: str, *parts: object) -> str:
    """A stable id for one step of one session, so a repeated enqueue is refused as a duplicate."""
    digest = hashlib.sha1(session_key.encode()).hexdigest()[:20]
    # RQ accepts only letters, digits, '_' and '-' in ids; Slack timestamps carry a dot.
    return re.sub(r"[^A-Za-z0-9_-]", "_", "-".join([step, digest, *(str(p) for p in parts)]))


class JobQueue:
    """Enqueues the bot's jobs; each job retries after a worker dies mid-run (RQ re-queues abandoned jobs)."""

    def __init__(self, connection: redis.Redis, name: str, *, job_timeout: int, retry_intervals: list[int]) -> None:
        self.queue = Queue(name, connection=connection, default_timeout=job_timeout)
        self.retry_intervals = retry_intervals

    def enqueue(self, func: str, *args: Any, job_id: str, delay_seconds: float = 0) -> bool:
        """Enqueue func(*args) once under job_id; False when that job is already queued or running."""
        options: dict[str, Any] = {
            "job_id": job_id,
            # RQ logs a job's description at INFO; by default that is the call with its arguments,
            # which for commands include people's text and the response_url. The id says enough.
            "description": f"{func.rsplit('.', 1)[-1]} {job_id}",
            "unique": True,
            "result_ttl": 300,
            "failure_ttl": 7 * 24 * 3600,
            "retry": Retry(max=len(self.retry_intervals), interval=self.retry_intervals),
            # When RQ gives up on a job (its workers kept dying), the thread still hears about it.
            "on_failure": Callback("bot.flow.jobs.on_job_failure"),
        }
        try:
            if delay_seconds > 0:
                self.queue.enqueue_in(timedelta(seconds=delay_seconds), func, *args, **options)
            else:
                self.queue.enqueue(func, *args, **options)
        except DuplicateJobError:
            log.info("job already queued", extra={"job_id": job_id})
            return False
        return True
