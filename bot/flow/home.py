"""The App Home tab: how to use the bot and the person's recent specs (a small per-person list in Redis)."""

from __future__ import annotations

from typing import cast

from bot.flow.intake import Outcome
from bot.slack import blocks as ui_blocks
from bot.slack.blocks import RecentSpec
from bot.store.sessions import PREFIX, Session
from bot.wiring import Runtime

RECENT_LIMIT = 10
RECENT_TTL_SECONDS = 90 * 24 * 3600


def recent_key(team_id: str, user_id: str) -> str:
    """Key of a person's recent specs (a sorted set, newest last)."""
    return f"{PREFIX}:recent:{team_id}:{user_id}"


def remember_spec(rt: Runtime, session: Session, link: str | None) -> None:
    """Add this version to the recent specs of the person who asked (idempotent: the entry is stable)."""
    entry = RecentSpec(
        title=session.spec_summary.title if session.spec_summary else session.title or "Technical spec",
        version=session.version,
        channel_id=session.channel_id,
        link=link,
        created_at=round(session.created_at, 3),
    )
    key = recent_key(session.team_id, session.requested_by)
    with rt.redis.pipeline() as pipe:
        pipe.zadd(key, {entry.model_dump_json(): entry.created_at})
        pipe.zremrangebyrank(key, 0, -RECENT_LIMIT - 1)
        pipe.expire(key, RECENT_TTL_SECONDS)
        pipe.execute()


def recent_specs(rt: Runtime, team_id: str, user_id: str) -> list[RecentSpec]:
    """The person's recent specs, newest first."""
    raw = cast(list[bytes], rt.redis.zrevrange(recent_key(team_id, user_id), 0, RECENT_LIMIT - 1))
    return [RecentSpec.model_validate_json(item) for item in raw]


def publish_home(rt: Runtime, team_id: str, user_id: str) -> Outcome:
    """Publish the Home tab for one person (on app_home_opened)."""
    rt.slack.publish_home(user_id, ui_blocks.home_view(recent_specs(rt, team_id, user_id)))
    return "started"
