"""The thread's copy in Redis (a real redis-server): its key and TTL, atomic changes, edits and deletions,
and no secret in what is stored."""

from __future__ import annotations

import threading

import redis

from bot.spec import pacing
from bot.store.keys import family_pattern, session_key, thread_copy_key
from bot.store.sessions import SessionStore
from bot.store.threadcopy import ThreadCopies

TTL = 3600
KEY = session_key("T1", "C1", "1700000000.000100")


def page(*numbers: int) -> list[dict[str, object]]:
    return [{"ts": f"1700000000.{n:06d}", "user": "UANA", "text": f"m{n}"} for n in numbers]


def test_the_key_is_a_sibling_of_the_session_and_forgotten_with_it(redis_conn: redis.Redis) -> None:
    assert thread_copy_key(KEY) == "techspec:threadcopy:T1:C1:1700000000.000100"
    copies = ThreadCopies(redis_conn, TTL)
    copies.update(KEY, lambda c: pacing.absorb(c, page(100), "", 200, "auto", 1.0))
    assert 0 < redis_conn.ttl(thread_copy_key(KEY)) <= TTL
    assert thread_copy_key(KEY).encode() in set(redis_conn.scan_iter(family_pattern("T1", "C1")))
    SessionStore(redis_conn, TTL).delete(KEY)
    assert copies.get(KEY) is None


def test_pages_are_saved_redacted(redis_conn: redis.Redis) -> None:
    copies = ThreadCopies(redis_conn, TTL)
    secret = "postgres://admin:Sup3rS3cretPw@db.internal:5432/app"
    raw = [{"ts": "1700000000.000100", "user": "UANA", "text": f"db is {secret}", "reply_count": 1}]
    copies.update(KEY, lambda c: pacing.absorb(c, raw, "next", 200, "auto", 1.0))
    stored = redis_conn.get(thread_copy_key(KEY)) or b""
    assert b"Sup3rS3cretPw" not in stored
    copy = copies.get(KEY)
    assert copy is not None and copy.cursor == "next" and copy.total == 2 and copy.secrets


def test_edits_and_deletions_change_only_a_stored_copy_and_keep_its_ttl(redis_conn: redis.Redis) -> None:
    copies = ThreadCopies(redis_conn, TTL)
    assert not copies.change_existing(KEY, lambda c: pacing.drop(c, "1700000000.000101"))
    assert copies.get(KEY) is None  # no copy is created by an event
    copies.update(KEY, lambda c: pacing.absorb(c, page(100, 101, 102), "", 200, "auto", 1.0))
    redis_conn.expire(thread_copy_key(KEY), 100)
    assert copies.change_existing(KEY, lambda c: pacing.edit(c, "1700000000.000101", "new words"))
    assert copies.change_existing(KEY, lambda c: pacing.drop(c, "1700000000.000102"))
    copy = copies.get(KEY)
    assert copy is not None and [m["text"] for m in copy.messages] == ["m100", "new words"]
    assert redis_conn.ttl(thread_copy_key(KEY)) <= 100


def test_concurrent_changes_are_not_lost(redis_conn: redis.Redis) -> None:
    copies = ThreadCopies(redis_conn, TTL)
    copies.update(KEY, lambda c: pacing.absorb(c, page(*range(100, 140)), "c", 200, "auto", 1.0))

    def edit(n: int) -> None:
        copies.change_existing(KEY, lambda c: pacing.edit(c, f"1700000000.{n:06d}", f"edited {n}"))

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(100, 140)]

    def last_page() -> None:
        copies.update(KEY, lambda c: pacing.absorb(c, page(140), "", 15, "auto", 2.0))

    threads.append(threading.Thread(target=last_page))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    copy = copies.get(KEY)
    assert copy is not None and copy.complete and len(copy.messages) == 41
    assert sum(m["text"].startswith("edited") for m in copy.messages) == 40
