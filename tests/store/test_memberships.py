"""Who is inside a tenant's organisation (Slack Connect), cached per tenant and forgotten with it."""

from __future__ import annotations

import redis

from bot.store.caches import Memberships
from bot.store.forget import Forgetter, Scope
from bot.store.keys import MEMBER_TTL_SECONDS


def test_answers_are_kept_per_tenant_for_a_day(redis_conn: redis.Redis) -> None:
    members = Memberships(redis_conn)
    assert members.get("E1.T2", "W1") is None
    members.put("E1.T2", "W1", True)
    members.put("T9", "W1", False)  # the same person, seen from another organisation's install
    assert members.get("E1.T2", "W1") is True and members.get("T9", "W1") is False
    assert 0 < redis_conn.ttl("techspec:member:E1.T2:W1") <= MEMBER_TTL_SECONDS


def test_a_workspace_leaving_forgets_its_answers_only(redis_conn: redis.Redis) -> None:
    members = Memberships(redis_conn)
    members.put("E1.T2", "W1", True)
    members.put("E1.T3", "W1", True)
    Forgetter(redis_conn).forget(Scope("E1.T2"))
    assert members.get("E1.T2", "W1") is None and members.get("E1.T3", "W1") is True
