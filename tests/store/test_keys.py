"""The stored formats are part of the upgrade contract: sessions live for days and queued jobs carry their keys,
so a release must find what the previous one wrote. These literals are what running deployments hold."""

from __future__ import annotations

import hashlib

import pytest

from bot.store import keys
from bot.store.queue import JobKind, job_id

SESSION = "techspec:session:T1:C1:1700000000.000100"


def test_every_key_format_is_the_one_deployments_hold() -> None:
    assert keys.session_key("T1", "C1", "1700000000.000100") == SESSION
    assert keys.replies_key(SESSION) == "techspec:replies:T1:C1:1700000000.000100"
    assert keys.history_key(SESSION) == "techspec:history:T1:C1:1700000000.000100"
    assert keys.lock_key(SESSION) == "techspec:lock:T1:C1:1700000000.000100"
    assert keys.attempts_key(SESSION) == "techspec:attempts:T1:C1:1700000000.000100"
    assert keys.trigger_key("E1.T1", "C1", "1700000000.000200") == "techspec:trigger:E1.T1:C1:1700000000.000200"
    # Before marks were per tenant: still honoured (and forgotten) until they expire.
    assert keys.legacy_trigger_key("C1", "1700000000.000200") == "techspec:trigger:C1:1700000000.000200"
    assert keys.name_key("U1") == "techspec:user:U1"
    assert keys.recent_key("T1", "U1") == "techspec:recent:T1:U1"
    digest = keys.session_digest(SESSION)
    assert len(digest) == 20 and digest == hashlib.sha1(SESSION.encode()).hexdigest()[:20]
    assert keys.marker_key("reminded", SESSION, 2) == f"techspec:reminded:{digest}:2"
    assert job_id(JobKind.READ, SESSION, 1, 1700000000123) == f"read-{digest}-1-1700000000123"
    assert job_id(JobKind.RECOUNT, SESSION, "1700000000.000300", "ab") == f"recount-{digest}-1700000000_000300-ab"


def test_a_session_key_parses_back_into_its_thread() -> None:
    thread = keys.parse_session_key(SESSION)
    assert (thread.team_id, thread.channel_id, thread.thread_ts) == ("T1", "C1", "1700000000.000100")
    assert keys.is_session_key(SESSION)


@pytest.mark.parametrize("value", ["techspec:replies:T1:C1:1.0", "techspec:session:T1:C1", "", None, 42])
def test_anything_else_is_not_a_session_key(value: object) -> None:
    assert not keys.is_session_key(value)
    if isinstance(value, str):
        with pytest.raises(ValueError):
            keys.parse_session_key(value)
