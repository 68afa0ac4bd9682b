"""The App Home tab: how to use the bot and the person's recent specs."""

from __future__ import annotations

from bot.flow import workspace_admin
from bot.flow.spend import usage_section
from bot.flow.trigger import Outcome
from bot.slack import blocks
from bot.spec.records import RecentSpec
from bot.store.sessions import Session
from bot.wiring import Runtime


def remember_spec(rt: Runtime, session: Session, link: str | None) -> None:
    """Add this version to the recent specs of the person who asked (idempotent: the entry is stable)."""
    entry = RecentSpec(
        title=session.spec_summary.title if session.spec_summary else session.title or "Technical spec",
        version=session.version,
        channel_id=session.channel_id,
        thread_ts=session.thread_ts,
        link=link,
        created_at=round(session.created_at, 3),
    )
    rt.recent.add(session.team_id, session.requested_by, entry)


def publish_home(rt: Runtime, user_id: str) -> Outcome:
    """Publish the Home tab for one person (on app_home_opened); admins also see the month's model usage
    and the workspace's settings. rt is the workspace's runtime already (its scope keys the lists)."""
    team_id = rt.scope
    view = blocks.home_view(rt.recent.newest(team_id, user_id))
    if rt.users.is_admin(team_id, user_id, rt.admins):
        extra = [block.to_dict() for block in [*usage_section(rt, team_id), *workspace_admin.home_blocks(rt)]]
        view["blocks"] = view["blocks"][: 100 - len(extra)] + extra  # a Home view holds at most 100 blocks
    rt.slack.publish_home(user_id, view)
    return "started"
