"""The work lease on a session: held by one running step, kept alive by a heartbeat while it runs.

RQ re-runs a job whose worker died. If only the worker's main process died, the job's own process
may still be running the first attempt; the lease makes the second attempt wait instead of writing
a second spec, and a crashed holder's lease simply expires.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from bot.store.sessions import SessionStore

log = logging.getLogger(__name__)
LEASE_SECONDS = 15


def seconds_until_free(store: SessionStore, key: str) -> float:
    """How long until the current holder's lease runs out if it stops refreshing it."""
    return max(1.0, store.lease_ttl(key)) + 1.0


@contextmanager
def session_lease(store: SessionStore, key: str, owner: str, wait_seconds: float = 0.0) -> Iterator[bool]:
    """Yield True while this owner holds the session's lease (refreshed every five seconds); waits up to
    wait_seconds for a holder that may have died (its lease then expires), else yields False."""
    deadline = time.monotonic() + wait_seconds
    while not store.acquire_lock(key, owner, LEASE_SECONDS):
        if time.monotonic() >= deadline:
            yield False
            return
        time.sleep(0.5)
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(LEASE_SECONDS / 3):
            try:
                if not store.refresh_lock(key, owner, LEASE_SECONDS):
                    log.warning("session lease lost", extra={"session": key})
                    return
            except redis.RedisError:
                log.warning("could not refresh the session lease", extra={"session": key})

    beat = threading.Thread(target=heartbeat, name="lease", daemon=True)
    beat.start()
    try:
        yield True
    finally:
        stop.set()
        try:
            store.release_lock(key, owner)
        except redis.RedisError:
            pass  # it expires by itself
