"""Forgetting against a real redis-server: exactly the scope's records go (keys, values, RQ jobs), the rest stay."""

from __future__ import annotations

import time

import redis
from rq.job import Job, JobStatus

from bot.spec.records import RecentSpec, Reply
from bot.store.caches import NameCache, OnceMarkers, RecentSpecs
from bot.store.forget import Forgetter, Scope, Tombstones
from bot.store.keys import session_key
from bot.store.queue import JobKind, JobQueue, job_id
from bot.store.sessions import Session, SessionStore
from tests.support.redis_dump import where_found

THREADS = [("T1", "C1", "1.1"), ("T1", "C1", "2.2"), ("T1", "C*2", "3.3"), ("T2", "C9", "4.4")]


def seed(connection: redis.Redis) -> None:
    """Every kind of record, for four threads (one channel id with a glob character in it)."""
    store = SessionStore(connection, 3600)
    queue = JobQueue(
        connection,
        "techspec",
        jobs=dict.fromkeys(JobKind, print),
        on_failure=print,
        job_timeout=60,
        retry_intervals=[1],
    )
    recent = RecentSpecs(connection)
    for team, channel, ts in THREADS:
        key = session_key(team, channel, ts)
        store.create(Session(team_id=team, channel_id=channel, thread_ts=ts, requested_by="U1", trigger_ts=ts))
        store.record_reply(key, Reply(ts=ts + "1", user_id="U2", text=f"answer in {channel}/{ts}"))
        store.claim_trigger(team, channel, f"{ts}9", key)
        store.next_attempt(key)
        OnceMarkers(connection).first("reminded", key, 1, ttl_seconds=60)
        recent.add(
            team,
            "U1",
            RecentSpec(
                title=f"spec {channel}/{ts}",
                version=1,
                channel_id=channel,
                thread_ts=ts,
                link=None,
                created_at=float(ts),
            ),
        )
        queue.enqueue(JobKind.READ, key, job_id=job_id(JobKind.READ, key, 1))
        queue.enqueue(JobKind.REMIND, key, 1, job_id=job_id(JobKind.REMIND, key, 1), delay_seconds=3600)
    queue.enqueue(
        JobKind.COMMAND,
        {"team_id": "T1", "channel_id": "C1", "text": "https://a.slack.com/archives/C1/p11"},
        job_id="command-x",
    )
    NameCache(connection).put_many({"U1": "Ana"})


def traces(team: str, channel: str, ts: str) -> list[str]:
    return [f"{channel}:{ts}", f"{channel}/{ts}", session_key(team, channel, ts)]


def test_forget_a_thread_only(redis_conn: redis.Redis) -> None:
    seed(redis_conn)
    Forgetter(redis_conn).forget(Scope("T1", "C1", "1.1"))
    assert where_found(redis_conn, traces("T1", "C1", "1.1") + ["C1/p11"]) == []
    for other in THREADS[1:]:
        assert where_found(redis_conn, traces(*other)) != [], other


def test_forget_a_channel_only(redis_conn: redis.Redis) -> None:
    seed(redis_conn)
    Forgetter(redis_conn).forget(Scope("T1", "C*2"))
    assert where_found(redis_conn, ["C*2"]) == []
    for other in (THREADS[0], THREADS[1], THREADS[3]):
        assert where_found(redis_conn, traces(*other)) != [], other


def test_forget_a_workspace_only(redis_conn: redis.Redis) -> None:
    seed(redis_conn)
    result = Forgetter(redis_conn).forget(Scope("T1"))
    assert result.keys > 0 and result.jobs == 7  # two per thread of T1, and the command naming C1
    assert where_found(redis_conn, [":T1:", "C1", "C*2", "techspec:user:"]) == []  # (timestamps hold "T1")
    assert where_found(redis_conn, traces(*THREADS[3])) != []
    again = Forgetter(redis_conn).forget(Scope("T1"))
    assert (again.keys, again.jobs) == (0, 0)  # idempotent


def test_ids_are_matched_whole() -> None:
    scope = Scope("T1", "C1")
    assert scope.names_job("{'channel_id': 'C1', 'text': 'x'}")
    assert not scope.names_job("{'channel_id': 'C10', 'text': 'x'}")
    thread = Scope("T1", "C1", "1700000000.000100")
    assert thread.names_job("https://a.slack.com/archives/C1/p1700000000000100")
    assert not thread.names_job("https://a.slack.com/archives/C1/p17000000000001001")
    assert not scope.names_key("techspec:session:T1:C10:1.1") and scope.names_key("techspec:session:T1:C1:1.1")


def test_forgetting_a_tenant_leaves_the_other_sides_marks_in_a_shared_channel(redis_conn: redis.Redis) -> None:
    store = SessionStore(redis_conn, 3600)
    mine, theirs = session_key("T1", "C1", "1.1"), session_key("E2.T2", "C1", "1.1")
    for scope, key in (("T1", mine), ("E2.T2", theirs)):
        store.claim_trigger(scope, "C1", "1.1", key)
        store.claim_trigger(scope, "C1", "action:7.7", key)  # a button's dedupe mark names its thread
    redis_conn.set("techspec:trigger:C1:8.8", theirs)  # a mark from before the upgrade, the other side's
    redis_conn.set("techspec:trigger:C1:9.9", mine)
    for scope in (Scope("T1"), Scope("T1", "C1"), Scope("T1", "C1", "1.1")):
        Forgetter(redis_conn).forget(scope)
        assert where_found(redis_conn, [mine]) == [], scope
        assert store.claim_trigger("E2.T2", "C1", "1.1") is False
        assert store.claim_trigger("E2.T2", "C1", "action:7.7") is False
        assert redis_conn.get("techspec:trigger:C1:8.8") == theirs.encode()
        for ts in ("1.1", "action:7.7"):
            store.claim_trigger("T1", "C1", ts, mine)
        redis_conn.set("techspec:trigger:C1:9.9", mine)


def test_an_org_uninstall_finds_a_workspace_named_only_by_a_queued_command(redis_conn: redis.Redis) -> None:
    queue = JobQueue(
        redis_conn,
        "techspec",
        jobs=dict.fromkeys(JobKind, print),
        on_failure=print,
        job_timeout=60,
        retry_intervals=[1],
    )
    queue.enqueue(JobKind.COMMAND, {"team_id": "E1.T5", "channel_id": "C5", "text": "a topic"}, job_id="command-e1")
    queue.enqueue(JobKind.COMMAND, {"team_id": "E10.T6", "channel_id": "C6", "text": "a topic"}, job_id="command-e10")
    forgetter = Forgetter(redis_conn)
    assert forgetter.org_scopes("E1") == ["E1.T5"]
    for scope in forgetter.org_scopes("E1"):
        forgetter.forget(Scope(scope))
    assert where_found(redis_conn, ["E1.T5"]) == [] and where_found(redis_conn, ["E10.T6"]) != []


def test_a_job_still_running_at_the_deadline_is_deleted_anyway(redis_conn: redis.Redis) -> None:
    seed(redis_conn)
    key = session_key("T1", "C1", "1.1")
    job = Job.fetch(job_id(JobKind.READ, key, 1), connection=redis_conn)
    job.set_status(JobStatus.STARTED)  # a stuck worker: it never finishes
    Forgetter(redis_conn).forget_settled(Scope("T1", "C1", "1.1"), wait_seconds=1)
    assert not redis_conn.exists(job.key)


def test_a_forgotten_thread_refuses_requests_sent_before_it_was_forgotten(redis_conn: redis.Redis) -> None:
    # A mention arrives twice (app_mention and message) and Slack retries: a delivery that comes in after the
    # forget must not start the thread again; a new request sent after it may.
    before = f"{time.time() - 5:.6f}"
    Forgetter(redis_conn).forget_settled(Scope("T1", "C1", "1.1"), wait_seconds=1)
    marks = Tombstones(redis_conn)
    assert marks.covers("T1", "C1", "1.1", before)
    assert not marks.covers("T1", "C1", "1.1", f"{time.time() + 5:.6f}")
    assert not marks.covers("T1", "C1", "2.2", before) and not marks.covers("T2", "C1", "1.1", before)
    Forgetter(redis_conn).forget_settled(Scope("T1", "C9"), wait_seconds=1)
    assert marks.covers("T1", "C9", "7.7", before)  # the whole channel
    assert where_found(redis_conn, ["C1", "C9", "1.1"]) == []  # the marks keep no ids
