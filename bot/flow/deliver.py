"""Put the spec in the thread: upload it once, find the message that shares it, pin that, and finish."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.flow.results import announce_result
from bot.flow.status import set_status
from bot.obs import metrics
from bot.slack import texts
from bot.slack.failures import as_access_error, slack_error_code
from bot.store.sessions import Phase, Session
from bot.wiring import Runtime

log = logging.getLogger(__name__)
SPEC_FILENAME = "TECHNICAL_SPEC.md"


def deliver_spec(rt: Runtime, session: Session) -> Session:
    """Upload the document into the thread (at most once) and pin the message that shares it."""
    key = session.key
    share_ts = session.share_ts
    if share_ts is None and session.file_id and session.upload_completed:
        # A rerun after a crash: the file was shared already, or Slack is still sharing it.
        share_ts = _wait_share(rt, session.file_id, session.channel_id)
    elif share_ts is None:
        file_id = rt.slack.upload_file(
            channel=session.channel_id,
            thread_ts=session.thread_ts,
            filename=SPEC_FILENAME,
            title=SPEC_FILENAME if session.version == 1 else f"{SPEC_FILENAME} (v{session.version})",
            content=(session.spec_markdown or "").encode(),
            initial_comment=session.spec_comment,
            on_file_id=lambda fid: rt.store.update(key, lambda s: setattr(s, "file_id", fid)),
        )
        rt.store.update(key, lambda s: setattr(s, "upload_completed", True))
        share_ts = _wait_share(rt, file_id, session.channel_id)
    if share_ts is None:
        # Slack had not finished sharing within the poll window: pin a message of our own instead.
        share_ts = rt.slack.post(session.channel_id, session.thread_ts, session.spec_comment)
    session = rt.store.update(key, lambda s: setattr(s, "share_ts", share_ts))
    if not session.pinned:
        try:
            rt.slack.pin(session.channel_id, share_ts)
        except SlackApiError as exc:
            # The spec is in the thread; a refused pin (e.g. the channel's pin limit) must not undo that.
            log.warning("pin refused", extra={"session": key, "error": slack_error_code(exc)})
            reason = as_access_error(exc).user_message
            return rt.store.update(key, lambda s: setattr(s, "pin_error", reason))
        session = rt.store.update(key, lambda s: setattr(s, "pinned", True))
    return session


def _wait_share(rt: Runtime, file_id: str, channel: str) -> str | None:
    try:
        return rt.slack.wait_for_share(file_id, channel, rt.settings.techspec_share_poll_seconds)
    except SlackApiError as exc:
        log.warning("file share lookup failed", extra={"error": str(exc)[:200]})
        return None


def finish(rt: Runtime, session: Session) -> None:
    """The finishing touches once the spec is pinned, then mark the session done.

    They run before the session is done, so a crash here re-runs them (each is recorded), and a
    Slack error here never fails the spec.
    """
    link = rt.slack.permalink(session.channel_id, session.share_ts) if session.share_ts else None
    try:
        rt.slack.unreact(session.channel_id, session.trigger_ts, "eyes")
        rt.slack.react(session.channel_id, session.trigger_ts, "white_check_mark")
        done = texts.status_done(session.version, link, session.phrases, session.redacted_count, session.pin_error)
        set_status(rt, session, done)
        announce_result(rt, session, link)
    except SlackApiError as exc:
        log.warning("finishing touches failed", extra={"session": session.key, "error": slack_error_code(exc)})
    rt.store.transition(session.key, {Phase.WRITING}, lambda s: setattr(s, "phase", Phase.DONE))
    metrics.session_ended("spec", session.redacted_count)
