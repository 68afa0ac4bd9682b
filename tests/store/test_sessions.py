"""Session state against a real redis-server: keys, TTLs, atomic transitions, replies, leases."""

from __future__ import annotations

import threading

import pytest
import redis

from bot.spec.records import Reply
from bot.store.keys import lock_key, replies_key, session_key
from bot.store.sessions import Phase, Session, SessionStore, TransitionRefused

TTL = 3600


def new_session(thread_ts: str = "1700000000.000100") -> Session:
    return Session(team_id="T1", channel_id="C1", thread_ts=thread_ts, requested_by="U1", trigger_ts=thread_ts)


def test_key_functions_are_per_thread() -> None:
    key = session_key("T1", "C1", "1.2")
    assert key == "techspec:session:T1:C1:1.2"
    assert replies_key(key) == "techspec:replies:T1:C1:1.2"
    assert lock_key(key) == "techspec:lock:T1:C1:1.2"


def test_create_is_once_and_sets_ttl(redis_conn: redis.Redis) -> None:
    store = SessionStore(redis_conn, TTL)
    session = new_session()
    assert store.create(session) is True
    assert store.create(session) is False
    assert 0 < redis_conn.ttl(session.key) <= TTL
    loaded = store.get(session.key)
    assert loaded is not None and loaded.phase == Phase.READING


def test_transition_refuses_from_wrong_phase(redis_conn: redis.Redis) -> None:
    store = SessionStore(redis_conn, TTL)
    session = new_session()
    store.create(session)
    with pytest.raises(TransitionRefused):
        store.transition(session.key, {Phase.AWAITING_ANSWERS}, lambda s: setattr(s, "phase", Phase.WRITING))
    moved = store.transition(session.key, {Phase.READING}, lambda s: setattr(s, "phase", Phase.AWAITING_ANSWERS))
    assert moved.phase == Phase.AWAITING_ANSWERS


def test_concurrent_transitions_only_one_wins(redis_url: str, redis_conn: redis.Redis) -> None:
    """Two triggers racing to start writing: exactly one transition succeeds."""
    session = new_session()
    SessionStore(redis_conn, TTL).create(session)
    SessionStore(redis_conn, TTL).transition(
        session.key, {Phase.READING}, lambda s: setattr(s, "phase", Phase.AWAITING_ANSWERS)
    )
    barrier = threading.Barrier(8)
    wins: list[str] = []

    def racer(name: str) -> None:
        store = SessionStore(redis.Redis.from_url(redis_url), TTL)
        barrier.wait()
        try:
            store.transition(session.key, {Phase.AWAITING_ANSWERS}, lambda s: setattr(s, "phase", Phase.WRITING))
            wins.append(name)
        except TransitionRefused:
            pass

    threads = [threading.Thread(target=racer, args=(f"t{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1


def test_claim_trigger_once(redis_conn: redis.Redis) -> None:
    store = SessionStore(redis_conn, TTL)
    assert store.claim_trigger("T1", "C1", "1.1") is True
    assert store.claim_trigger("T1", "C1", "1.1") is False
    assert store.claim_trigger("T1", "C1", "1.2") is True


def test_trigger_marks_are_per_tenant(redis_conn: redis.Redis) -> None:
    # A Slack Connect channel has the same id in both organisations: each handles the message once.
    store = SessionStore(redis_conn, TTL)
    assert store.claim_trigger("T1", "C1", "1.1") is True
    assert store.claim_trigger("E2.T2", "C1", "1.1") is True
    assert store.claim_trigger("E2.T2", "C1", "1.1") is False


def test_a_mark_written_before_the_upgrade_still_counts(redis_conn: redis.Redis) -> None:
    redis_conn.set("techspec:trigger:C1:1.1", "techspec:session:T1:C1:1.1", ex=60)
    redis_conn.set("techspec:trigger:C1:action:5.5", "1", ex=60)
    store = SessionStore(redis_conn, TTL)
    assert store.claim_trigger("T1", "C1", "1.1") is False
    assert store.claim_trigger("T1", "C1", "action:5.5") is False
    store.release_trigger("T1", "C1", "1.1")
    assert store.claim_trigger("T1", "C1", "1.1") is True


def test_replies_record_replace_and_withdraw(redis_conn: redis.Redis) -> None:
    store = SessionStore(redis_conn, TTL)
    key = new_session().key
    store.record_reply(key, Reply(ts="2.0", user_id="U1", text="1. Postgres"))
    store.record_reply(key, Reply(ts="1.5", user_id="U2", text="2. yes"))
    store.record_reply(key, Reply(ts="2.0", user_id="U1", text="1. MySQL", edited=True))
    replies = store.replies(key)
    assert [r.ts for r in replies] == ["1.5", "2.0"]
    assert replies[1].text == "1. MySQL" and replies[1].edited
    assert 0 < redis_conn.ttl(replies_key(key)) <= TTL
    assert store.remove_reply(key, "1.5") is True
    assert [r.ts for r in store.replies(key)] == ["2.0"]


def test_lease_is_exclusive_refreshable_and_only_its_owner_releases_it(redis_conn: redis.Redis) -> None:
    store = SessionStore(redis_conn, TTL)
    key = new_session().key
    assert store.acquire_lock(key, "job-a:1", 30)
    assert not store.acquire_lock(key, "job-a:2", 30)  # the same job re-run elsewhere waits its turn
    assert not store.refresh_lock(key, "job-b:1", 90)
    assert store.refresh_lock(key, "job-a:1", 90) and 30 < redis_conn.ttl(lock_key(key)) <= 90
    store.release_lock(key, "job-b:1")  # not the owner: no effect
    assert not store.acquire_lock(key, "job-b:1", 30)
    store.release_lock(key, "job-a:1")
    assert store.acquire_lock(key, "job-b:1", 30)
