"""The Redis-backed job queue (RQ): jobs enqueued by kind, as function objects, under unique ids.

The flow decides *what* to run next by naming a JobKind; the table from kinds to the job functions
(`bot.flow.jobs.JOBS`) is handed in when the process starts, so this module never imports the flow
and RQ records each job by the function's own import path.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Callable, Mapping
from datetime import timedelta
from enum import StrEnum
from typing import Any

import redis
from rq import Callback, Queue, Retry
from rq.exceptions import DuplicateJobError

from bot.store.keys import session_digest, shard_queue_name

log = logging.getLogger(__name__)


class JobKind(StrEnum):
    """Every kind of job the bot runs on its workers."""

    READ = "read"  # read the thread; post the questions or write a clear thread's spec
    WRITE = "write"  # write, upload and pin the spec
    RECOUNT = "recount"  # recount the answers after a reply, an edit or a deletion
    AUTO_WRITE = "auto"  # start writing once every question has an answer (after a grace period)
    COMMAND = "command"  # `/techspec <link | words>`, after the ack
    REMIND = "remind"  # the one reminder when nobody answered


JobTable = Mapping[JobKind, Callable[..., Any]]
FailureCallback = Callable[..., Any]


def job_id(kind: JobKind, subject: str, *parts: object) -> str:
    """A stable id for one job of one session (or command), so a repeated enqueue is refused as a duplicate."""
    # RQ accepts only letters, digits, '_' and '-' in ids; Slack timestamps carry a dot.
    return re.sub(r"[^A-Za-z0-9_-]", "_", "-".join([kind.value, session_digest(subject), *(str(p) for p in parts)]))


def tenant_of(team_id: str, user_id: str) -> str:
    """Whose work a job is: the person (in their workspace) who asked for the session."""
    return f"{team_id}:{user_id}"


class JobQueue:
    """Enqueues the bot's jobs; each retries after a worker dies mid-run (RQ re-queues abandoned jobs).

    Jobs go to one of a fixed set of shard queues chosen by a hash of their tenant (the person who asked),
    and workers read the shards round-robin (bot.run.queues): one person's backlog waits in its own shard
    while everyone else's jobs are taken in turn. The unsharded queue of older releases is still read.
    """

    def __init__(
        self,
        connection: redis.Redis,
        name: str,
        *,
        jobs: JobTable,
        on_failure: FailureCallback,
        job_timeout: int,
        retry_intervals: list[int],
        result_ttl: int = 300,
        failure_ttl: int = 7 * 24 * 3600,
        shards: int = 1,
    ) -> None:
        self.connection = connection
        # The one queue of releases before sharding: nothing is enqueued on it any more, workers drain it.
        self.queue = Queue(name, connection=connection, default_timeout=job_timeout)
        self.shards = [
            Queue(shard_queue_name(name, i), connection=connection, default_timeout=job_timeout)
            for i in range(max(1, shards))
        ]
        self.jobs = jobs
        self.on_failure = on_failure
        self.retry_intervals = retry_intervals
        self.result_ttl = result_ttl
        self.failure_ttl = failure_ttl

    def shard_for(self, tenant: str) -> Queue:
        """The shard queue a tenant's jobs go to (a stable hash: the same on every process and release)."""
        return self.shards[zlib.crc32(tenant.encode()) % len(self.shards)]

    def depth(self) -> int:
        """Jobs waiting to start on every queue the workers read (one pipelined LLEN each)."""
        with self.connection.pipeline(transaction=False) as pipe:
            for queue in [self.queue, *self.shards]:
                pipe.llen(queue.key)
            return sum(int(n) for n in pipe.execute())

    def enqueue(
        self, kind: JobKind, *args: Any, job_id: str, delay_seconds: float = 0, tenant: str | None = None
    ) -> bool:
        """Enqueue the job of this kind with args, once under job_id, on its tenant's shard; False when
        already queued or running. Without a tenant the job's first argument (a session key) stands in."""
        func = self.jobs[kind]
        queue = self.shard_for(tenant if tenant is not None else str(args[0] if args else job_id))
        options: dict[str, Any] = {
            "job_id": job_id,
            # RQ logs a job's description at INFO; by default that is the call with its arguments,
            # which for commands include people's text and the response_url. The id says enough.
            "description": f"{kind.value} {job_id}",
            "unique": True,
            "result_ttl": self.result_ttl,
            "failure_ttl": self.failure_ttl,
            "retry": Retry(max=len(self.retry_intervals), interval=self.retry_intervals),
            # When RQ gives up on a job (its workers kept dying), the thread still hears about it.
            "on_failure": Callback(self.on_failure),
        }
        try:
            if delay_seconds > 0:
                queue.enqueue_in(timedelta(seconds=delay_seconds), func, *args, **options)
            else:
                queue.enqueue(func, *args, **options)
        except DuplicateJobError:
            log.info("job already queued", extra={"job_id": job_id})
            return False
        return True
