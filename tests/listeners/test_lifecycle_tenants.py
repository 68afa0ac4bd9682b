"""Lifecycle listeners find their tenant through the one resolver: an org-wide install's channel_deleted
forgets the records of its org scope ("E1.T1"), not of the bare workspace id the envelope carries."""

from __future__ import annotations

from typing import Any

import redis
from pydantic import SecretStr
from slack_bolt import BoltContext
from slack_bolt.authorization import AuthorizeResult

from bot.config import Settings
from bot.flow.jobs import JOBS
from bot.listeners.handlers import on_channel_gone
from bot.listeners.tenants import PAYLOAD
from bot.spec.records import RecentSpec
from bot.store.caches import RecentSpecs
from bot.store.keys import session_key
from bot.wiring import build_runtime


def org_event(event: dict[str, Any], **auth: Any) -> tuple[dict[str, Any], BoltContext]:
    """An org-wide install's event as Slack posts it, and Bolt's context after authorize (the org's token)."""
    body = {
        "type": "event_callback",
        "team_id": "T1",
        "enterprise_id": "E1",
        "event": event,
        "authorizations": [{"enterprise_id": "E1", "team_id": None, "user_id": "WBOT", "is_bot": True, **auth}],
    }
    context = BoltContext({"enterprise_id": "E1", "team_id": None, "is_enterprise_install": False, PAYLOAD: body})
    context["authorize_result"] = AuthorizeResult(enterprise_id="E1", team_id="E1", bot_token="xoxb-org")
    return body, context


def test_channel_deleted_of_an_org_install_forgets_its_org_scope(redis_conn: redis.Redis) -> None:
    settings = Settings(slack_bot_token=SecretStr("xoxb-1-2"), openai_api_key=SecretStr("sk"))  # type: ignore[call-arg]
    rt = build_runtime(settings, redis_conn, JOBS)
    for scope in ("E1.T1", "T1"):
        entry = RecentSpec(title="s", version=1, channel_id="C1", thread_ts="1.1", link=None, created_at=1.0)
        RecentSpecs(redis_conn).add(scope, "U1", entry)
        redis_conn.set(session_key(scope, "C1", "1.1"), "{}")
    # The payload also lacks is_enterprise_install: the authorized installation (the org's token) decides.
    event = {"type": "channel_deleted", "channel": "C1"}
    body, context = org_event(event)
    on_channel_gone(rt)(event=event, body=body, context=context)
    # Only the forgotten mark (hashed ids, an hour) that refuses late deliveries from before stays.
    assert [k for k in redis_conn.keys("techspec:*E1.T1*") if not k.startswith(b"techspec:forgotten:")] == []
    assert redis_conn.exists(session_key("T1", "C1", "1.1"))  # a workspace install's T1 is another tenant
