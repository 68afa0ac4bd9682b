"""Compose the spec document and put it in the thread: upload once, find its share, pin it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment
from slack_sdk.errors import SlackApiError

from bot.flow.thread import load_thread
from bot.slack import texts as messages
from bot.slack.gateway import as_access_error, slack_error_code
from bot.spec.answers import match_answers
from bot.spec.checklist import template_sections
from bot.spec.discussion import Discussion
from bot.spec.permalinks import build_permalink
from bot.spec.records import SpecSummary
from bot.spec.render import Clarification, RenderContext, make_document_environment, render_spec
from bot.spec.writer import write_checked_spec
from bot.store.sessions import Session
from bot.wiring import Runtime

log = logging.getLogger(__name__)
SPEC_FILENAME = "TECHNICAL_SPEC.md"


@dataclass
class ComposedSpec:
    """The Markdown document and the comment that shares it."""

    markdown: str
    comment: str
    summary: SpecSummary | None = None
    redacted_count: int = 0


def compose_spec(rt: Runtime, session: Session, discussion: Discussion | None = None) -> ComposedSpec:
    """Read the thread again, write the spec with the answers so far, and render it.

    A caller that has just built the discussion of this thread with no answers (the thread was clear)
    passes it in, so a long thread is not read, redacted and condensed a second time.
    """
    if discussion is None:
        thread = load_thread(rt, session)
        replies = thread.replies_after(session.questions_ts, rt.store.replies(session.key))
        sheet = match_answers(session.questions, replies)
        discussion = thread.discussion(rt, session, sheet)
    else:
        sheet = match_answers(session.questions, [])
    documents = _documents(rt.settings.techspec_templates_dir)
    written = write_checked_spec(
        discussion,
        session.language,
        rt.llm,
        sections=template_sections(documents),  # check only what the (overridable) template renders
        repair_rounds=rt.settings.techspec_checklist_repair_rounds,
    )
    spec = written.spec
    context = RenderContext(
        version=session.version,
        generated_at=datetime.now(UTC),
        channel_name=rt.slack.channel_name(session.channel_id),
        thread_url=_link(rt, session, session.thread_ts),
        source_links=_source_links(rt, session, discussion),
        clarifications=[
            Clarification(number=c.number, area=c.area, question=c.question, answer=c.answer, answered_by=c.answered_by)
            for c in discussion.clarifications
        ],
        condensed_history=discussion.condensed,
        redacted_count=discussion.redacted_count,
    )
    markdown = render_spec(spec, context, documents)
    answered_by = list(dict.fromkeys(a.user_id for a in sheet.answers.values()))
    counts = {
        "requirements": len(spec.functional_requirements),
        "risks": len(spec.risks),
        "open_questions": len(spec.open_questions),
    }
    needs_human = [r.title for r in written.needs_human]
    comment = messages.spec_comment(
        spec.title, spec.overview, counts, answered_by, session.version, needs_human=needs_human
    )
    summary = SpecSummary(
        title=spec.title,
        overview=spec.overview,
        requirements=counts["requirements"],
        risks=counts["risks"],
        open_questions=counts["open_questions"],
        answered_by=answered_by,
        needs_human=needs_human,
    )
    return ComposedSpec(markdown=markdown, comment=comment, summary=summary, redacted_count=discussion.redacted_count)


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


@lru_cache(maxsize=4)
def _documents(override_dir: Path | None) -> Environment:
    """The spec template environment, built once per process (an override directory's file wins)."""
    return make_document_environment(override_dir)


def _link(rt: Runtime, session: Session, ts: str) -> str:
    return build_permalink(rt.slack.identity().url, session.channel_id, ts, session.thread_ts)


def _source_links(rt: Runtime, session: Session, discussion: Discussion) -> dict[str, str]:
    links = {label: _link(rt, session, ts) for label, ts in discussion.message_labels.items()}
    for item in [*discussion.clarifications, *discussion.general_replies]:
        if item.label and item.reply_ts:
            links[item.label] = _link(rt, session, item.reply_ts)
    if session.questions_ts:
        # [Q3] cites clarifying question 3: it links to the one message that asked the questions.
        for question in discussion.clarifications:
            links[f"Q{question.number}"] = _link(rt, session, session.questions_ts)
    return links
