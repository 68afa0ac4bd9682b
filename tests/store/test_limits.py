"""Admission against a real redis-server: each limit, when to try again, slots freed by transitions, races."""

from __future__ import annotations

import threading

import redis

from bot.store.keys import SLOT_HOLD_SECONDS, START_WINDOW_SECONDS, session_key, slots_key, starts_key
from bot.store.limits import Admission, Limits
from bot.store.sessions import Phase, Session, SessionStore

NOW = 1_764_500_000.0
LIMITS = Limits(per_user=2, per_channel=3, per_team=4, per_user_hour=5)


def key(channel: str, n: int) -> str:
    return session_key("T1", channel, f"1700000000.{n:06d}")


def test_a_person_gets_their_active_limit_then_a_refusal_saying_when(redis_conn: redis.Redis) -> None:
    door = Admission(redis_conn, LIMITS)
    assert door.admit(key("C1", 1), "UA", NOW) is None
    assert door.admit(key("C2", 2), "UA", NOW + 1) is None
    refusal = door.admit(key("C3", 3), "UA", NOW + 2)
    assert refusal is not None and refusal.scope == "user" and refusal.held == 2
    # The oldest slot frees by itself a day after its session last moved: the latest time to try again.
    assert refusal.retry_at == NOW + SLOT_HOLD_SECONDS
    # Someone else is not affected.
    assert door.admit(key("C3", 4), "UB", NOW + 3) is None


def test_the_same_session_admitted_twice_holds_one_slot(redis_conn: redis.Redis) -> None:
    door = Admission(redis_conn, LIMITS)
    assert door.admit(key("C1", 1), "UA", NOW) is None
    assert door.admit(key("C1", 1), "UA", NOW + 1) is None
    assert redis_conn.zcard(slots_key("user", "T1", "UA")) == 1


def test_channel_and_workspace_limits(redis_conn: redis.Redis) -> None:
    door = Admission(redis_conn, LIMITS)
    for n, user in enumerate(["UA", "UB", "UC"]):
        assert door.admit(key("C1", n), user, NOW) is None
    refused = door.admit(key("C1", 9), "UD", NOW)
    assert refused is not None and refused.scope == "channel" and refused.held == 3
    assert door.admit(key("C2", 10), "UD", NOW) is None  # 4 in the workspace now
    refused = door.admit(key("C3", 11), "UE", NOW)
    assert refused is not None and refused.scope == "team" and refused.held == 4


def test_starts_per_hour_count_even_finished_sessions_and_free_an_hour_after_the_first(redis_conn: redis.Redis) -> None:
    door = Admission(redis_conn, Limits(per_user=10, per_channel=10, per_team=10, per_user_hour=3))
    for n in range(3):
        assert door.admit(key("C1", n), "UA", NOW + n) is None
    refusal = door.admit(key("C1", 3), "UA", NOW + 10)
    assert refusal is not None and refusal.scope == "hourly" and refusal.held == 3
    assert abs(refusal.retry_at - (NOW + START_WINDOW_SECONDS)) < 0.01
    assert door.admit(key("C1", 3), "UA", NOW + START_WINDOW_SECONDS + 0.5) is None


def test_a_session_leaving_the_active_phases_frees_its_slots_atomically(redis_conn: redis.Redis) -> None:
    store, door = SessionStore(redis_conn, 3600), Admission(redis_conn, LIMITS)
    sessions = [
        Session(team_id="T1", channel_id="C1", thread_ts=f"1700000000.00000{n}", requested_by="UA", trigger_ts="1.0")
        for n in range(2)
    ]
    for session in sessions:
        assert door.admit(session.key, "UA", NOW) is None
        assert store.create(session)
    assert door.admit(key("C1", 7), "UA", NOW) is not None
    store.transition(sessions[0].key, {Phase.READING}, lambda s: setattr(s, "phase", Phase.DONE))
    assert redis_conn.zcard(slots_key("channel", "T1", "C1")) == 1
    assert door.admit(key("C1", 7), "UA", NOW) is None


def test_every_fair_use_key_has_a_ttl(redis_conn: redis.Redis) -> None:
    door = Admission(redis_conn, LIMITS)
    assert door.admit(key("C1", 1), "UA", NOW) is None
    assert door.first_notice("T1", "UA", "user", 60)
    assert not door.first_notice("T1", "UA", "user", 60)
    for name in redis_conn.keys("techspec:*"):
        assert redis_conn.ttl(name) > 0, name
    assert redis_conn.ttl(starts_key("T1", "UA")) <= START_WINDOW_SECONDS + 60


def test_racing_starts_never_exceed_a_limit(redis_conn: redis.Redis, redis_url: str) -> None:
    admitted: list[str] = []
    lock = threading.Lock()

    def start(n: int) -> None:
        door = Admission(
            redis.Redis.from_url(redis_url), Limits(per_user=3, per_channel=50, per_team=50, per_user_hour=50)
        )
        if door.admit(key("C1", n), "UA", NOW) is None:
            with lock:
                admitted.append(key("C1", n))

    threads = [threading.Thread(target=start, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) == 3


def test_a_slot_whose_session_is_gone_frees_after_a_minute(redis_conn: redis.Redis) -> None:
    door = Admission(redis_conn, LIMITS)
    assert door.admit(key("C1", 1), "UA", NOW) is None  # its session was never created (a storage error)
    assert door.admit(key("C1", 2), "UA", NOW + 1) is None
    assert door.admit(key("C1", 3), "UA", NOW + 30) is not None  # within the minute: still held
    assert door.admit(key("C1", 3), "UA", NOW + 61) is None


def test_the_read_only_look_takes_nothing(redis_conn: redis.Redis) -> None:
    door = Admission(redis_conn, LIMITS)
    assert door.would_refuse("T1", "C1", "UA", NOW) is None
    for n in range(2):
        assert door.admit(key("C1", n), "UA", NOW) is None
    refusal = door.would_refuse("T1", "C1", "UA", NOW + 1)
    assert refusal is not None and refusal.scope == "user" and refusal.held == 2
    assert redis_conn.zcard(slots_key("user", "T1", "UA")) == 2
