"""One admin check: the Home tab may use the hour-long cache, a settings change asks Slack again."""

from __future__ import annotations

import redis

from bot.slack.client import build_web_client
from bot.slack.gateway import SlackGateway
from bot.slack.people import UserDirectory
from bot.store.caches import AdminFlags, NameCache
from tests.fakes.slack import SlackEmulator


def test_a_fresh_check_asks_slack_and_refreshes_the_cache(
    design_workspace: SlackEmulator, redis_conn: redis.Redis
) -> None:
    design_workspace.add_user("UFORMER", "former")  # no longer an admin, but the cache still says so
    flags = AdminFlags(redis_conn)
    flags.put("T1", "UFORMER", True)
    slack = SlackGateway(build_web_client(design_workspace.bot_token, design_workspace.api_url))
    people = UserDirectory(NameCache(redis_conn), slack)
    assert people.is_admin("T1", "UFORMER", flags) is True
    assert people.is_admin("T1", "UFORMER", flags, fresh=True) is False
    assert flags.get("T1", "UFORMER") is False
