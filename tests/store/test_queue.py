"""The sharded job queue against a real redis-server: a tenant's jobs stay on one shard, depth counts all."""

from __future__ import annotations

import zlib

import redis
from rq import Queue

from bot.config import Settings
from bot.run.queues import worker_queues
from bot.store.keys import is_shard_queue_name, shard_queue_name
from bot.store.queue import JobKind, JobQueue, tenant_of


def noop(*args: object) -> None:
    """A job function (never run here)."""


def queue(connection: redis.Redis, shards: int = 4) -> JobQueue:
    jobs = dict.fromkeys(JobKind, noop)
    return JobQueue(connection, "tq", jobs=jobs, on_failure=print, job_timeout=60, retry_intervals=[1], shards=shards)


def test_a_tenants_jobs_go_to_one_stable_shard_and_depth_counts_every_queue(redis_conn: redis.Redis) -> None:
    jobs = queue(redis_conn)
    tenant = tenant_of("T1", "UA")
    for n in range(3):
        assert jobs.enqueue(JobKind.RECOUNT, f"k{n}", job_id=f"j{n}", tenant=tenant)
    expected = shard_queue_name("tq", zlib.crc32(b"T1:UA") % 4)
    assert jobs.shard_for(tenant).name == expected
    assert Queue(expected, connection=redis_conn).count == 3
    Queue("tq", connection=redis_conn).enqueue(noop)  # left on the unsharded queue by an older release
    assert jobs.depth() == 4
    assert not jobs.enqueue(JobKind.RECOUNT, "k0", job_id="j0", tenant=tenant_of("T1", "UB"))  # unique ids


def test_workers_read_every_shard_old_shards_and_the_old_queue_last(redis_conn: redis.Redis) -> None:
    big = queue(redis_conn, shards=8)
    big.shards[6].enqueue(noop)  # a job left on a shard of an earlier, larger setting
    settings = Settings(
        slack_bot_token="xoxb-1", openai_api_key="k", techspec_queue_prefix="tq", techspec_queue_shards=4
    )  # type: ignore[arg-type]
    names = [q.name for q in worker_queues(settings, redis_conn)]
    assert names == [*(shard_queue_name("tq", i) for i in range(4)), shard_queue_name("tq", 6), "tq"]
    assert is_shard_queue_name("tq", "tq:shard:12") and not is_shard_queue_name("tq", "other:shard:1")
