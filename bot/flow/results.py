"""After a spec is pinned: move the pin from the previous version, post the summary (with Revise and
Regenerate) and, for v2 onwards, what changed; remember the spec for the person's App Home."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk.errors import SlackApiError

from bot.flow import home
from bot.slack import blocks
from bot.spec.diff import diff_specs, unchanged_count
from bot.store.sessions import Session
from bot.wiring import Runtime

log = logging.getLogger(__name__)


def announce_result(rt: Runtime, session: Session, link: str | None) -> None:
    """Each part once (recorded on the session), so a rerun after a crash repeats nothing that was done."""
    for step in (_move_pin, _post_summary, _post_changes):
        try:
            session = step(rt, session, link)
        except SlackApiError as exc:
            # The spec is in the thread and pinned; a missing extra is logged, never a failed session.
            log.warning("could not post a result extra", extra={"step": step.__name__, "error": str(exc)[:200]})
    try:
        home.remember_spec(rt, session, link)
    except Exception:  # noqa: BLE001 - the App Home list is a convenience; never fail the spec for it
        log.exception("could not remember the spec for the App Home")


def _save(rt: Runtime, session: Session, change: Callable[[Session], None]) -> Session:
    return rt.store.update(session.key, change)


def _move_pin(rt: Runtime, session: Session, link: str | None) -> Session:
    previous = session.previous_share_ts
    if not previous or previous == session.share_ts or session.previous_unpinned:
        return session
    rt.slack.unpin(session.channel_id, previous)
    return _save(rt, session, lambda s: setattr(s, "previous_unpinned", True))


def _post_summary(rt: Runtime, session: Session, link: str | None) -> Session:
    if session.summary_ts or session.spec_summary is None:
        return session
    summary = session.spec_summary
    ts = rt.slack.post(
        session.channel_id,
        session.thread_ts,
        blocks.summary_text(summary, session.version),
        blocks.summary_blocks(summary, session.version, link, session.key),
    )
    return _save(rt, session, lambda s: setattr(s, "summary_ts", ts))


def _post_changes(rt: Runtime, session: Session, link: str | None) -> Session:
    before, after = session.previous_spec_markdown, session.spec_markdown
    if session.changes_posted or not before or not after:
        return session
    changes = diff_specs(before, after)
    body = blocks.changes_blocks(session.version, changes, unchanged_count(before, after))
    rt.slack.post(session.channel_id, session.thread_ts, blocks.changes_text(session.version, changes), body)
    return _save(rt, session, lambda s: setattr(s, "changes_posted", True))
