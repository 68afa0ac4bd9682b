"""Which queues a worker reads, and in what order: every shard queue round-robin, plus the old one.

Fair scheduling is RQ's own: a worker given several queues with DequeueStrategy.ROUND_ROBIN starts its
next look after the queue it last took a job from, so a shard holding one person's backlog gives up
its turn after each job. No scheduler of our own decides anything.
"""

from __future__ import annotations

from typing import Any

import redis
from rq import Queue
from rq.worker import DequeueStrategy

from bot.config import Settings
from bot.store.keys import is_shard_queue_name, shard_queue_name


def worker_queues(settings: Settings, connection: redis.Redis) -> list[Queue]:
    """The configured shards, any shard left from a larger TECHSPEC_QUEUE_SHARDS, and the pre-shard queue.

    The unsharded queue comes last and is read like any shard: jobs an older release queued there (or
    scheduled there, such as a reminder due tomorrow) still run after an upgrade.
    """
    prefix = settings.techspec_queue_prefix
    names = [shard_queue_name(prefix, i) for i in range(settings.techspec_queue_shards)]
    # Shards of an earlier, larger setting may still hold jobs: keep reading them until they are gone.
    for queue in Queue.all(connection=connection):
        if is_shard_queue_name(prefix, queue.name) and queue.name not in names:
            names.append(queue.name)
    names.append(prefix)
    return [Queue(name, connection=connection) for name in names]


class RoundRobin:
    """Mixin for RQ workers: read the queues round-robin unless told otherwise."""

    def work(self, *args: Any, **kwargs: Any) -> bool:
        """RQ's work loop with DequeueStrategy.ROUND_ROBIN as the default order."""
        kwargs.setdefault("dequeue_strategy", DequeueStrategy.ROUND_ROBIN)
        return super().work(*args, **kwargs)  # type: ignore[misc]
