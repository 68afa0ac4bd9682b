"""The write step (on the worker): write the spec from the thread and the answers so far, render it,
and hand it to delivery (upload, pin, results)."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, TemplateError

from bot.flow.attribute import answer_sheet
from bot.flow.deliver import deliver_spec, finish
from bot.flow.status import set_status
from bot.flow.steps import session_step
from bot.flow.thread import LoadedThread, load_thread
from bot.slack import texts
from bot.spec.answers import AnswerSheet, match_answers
from bot.spec.checklist import template_sections
from bot.spec.discussion import AnswerQuote, Discussion
from bot.spec.document import TechnicalSpecDraft
from bot.spec.permalinks import build_permalink
from bot.spec.records import Reply, SpecSummary
from bot.spec.redaction import redact_text
from bot.spec.render import Clarification, Quote, RenderContext, make_document_environment, render_spec
from bot.spec.sandbox import TemplateProblem, render_workspace, workspace_environment
from bot.spec.writer import WrittenSpec, write_checked_spec
from bot.store.queue import JobKind
from bot.store.sessions import Phase, Session
from bot.wiring import Runtime

log = logging.getLogger(__name__)


@dataclass
class ComposedSpec:
    """The Markdown document and the comment that shares it."""

    markdown: str
    comment: str
    summary: SpecSummary | None = None
    redacted_count: int = 0
    replies: list[Reply] | None = None  # the replies it was written from (None: no questions were asked)


def write_step(rt: Runtime, key: str) -> None:
    """Write, upload and pin the spec for a session in the writing phase."""
    with session_step(rt, key, JobKind.WRITE, {Phase.WRITING}, "write the spec") as session:
        if session is not None:
            write_and_deliver(rt, session)


def write_and_deliver(rt: Runtime, session: Session, discussion: Discussion | None = None) -> None:
    """Compose the spec (once: a rerun reuses the saved one), deliver it, then finish the session."""
    set_status(rt, session, texts.status_writing(session.phrases))
    if session.spec_markdown is None:
        composed = compose_spec(rt, session, discussion)
        now = rt.store.get(session.key) or session  # with any mention kept for the next version meanwhile
        # Checked against the copy as it stands when Slack's slow tier would make us wait for a page.
        if composed.replies is not None and _changed(composed.replies, _replies_now(rt, now, False)[1], now):
            # An answer was edited or deleted while the model wrote: write once more from the replies as
            # they are now (once: a thread that keeps changing still gets its spec).
            log.info("answers changed while writing; writing again", extra={"session": session.key})
            composed = compose_spec(rt, now)
        session = rt.store.update(session.key, lambda s: _save_spec(s, composed))
    finish(rt, deliver_spec(rt, session))


def compose_spec(rt: Runtime, session: Session, discussion: Discussion | None = None) -> ComposedSpec:
    """Read the thread again, write the spec with the answers so far, and render it.

    A caller that has just built the discussion of this thread with no answers (the thread was clear)
    passes it in, so a long thread is not read, redacted and condensed a second time.
    """
    discussion, sheet, replies = _discussion(rt, session, discussion)
    documents = spec_documents(rt)
    written = write_checked_spec(
        discussion,
        session.language,
        rt.llm,
        sections=template_sections(documents),  # check only what the (overridable) template renders
        repair_rounds=rt.settings.techspec_checklist_repair_rounds,
    )
    # The model saw only redacted text; redacting what it wrote too means nothing it made up or was
    # tricked into is posted as a credential.
    markdown = redact_text(render_document(rt, written.spec, _render_context(rt, session, discussion), documents))
    summary = _summary(written, sheet)
    comment = redact_text(
        texts.spec_comment(
            summary.title,
            summary.overview,
            {"requirements": summary.requirements, "risks": summary.risks, "open_questions": summary.open_questions},
            summary.answered_by,
            session.version,
            needs_human=summary.needs_human,
        )
    )
    return ComposedSpec(
        markdown=markdown,
        comment=comment,
        summary=summary,
        redacted_count=discussion.redacted_count,
        replies=replies,
    )


def _discussion(
    rt: Runtime, session: Session, given: Discussion | None
) -> tuple[Discussion, AnswerSheet, list[Reply] | None]:
    """The discussion with the answers as they stand now (edits and deletions included)."""
    if given is not None:
        return given, match_answers(session.questions, []), None
    thread, replies = _replies_now(rt, session)
    sheet = answer_sheet(rt, session, replies)
    return thread.discussion(rt, session, sheet), sheet, replies if session.questions_ts else None


def _replies_now(rt: Runtime, session: Session, may_pause: bool = True) -> tuple[LoadedThread, list[Reply]]:
    """Read the thread again: the answers as the thread shows them now (deleted ones gone, edits applied)."""
    thread = load_thread(rt, session, may_pause=may_pause)
    held = set(session.held_for_next)  # mentions while writing belong to the next version
    replies = [r for r in thread.replies_after(session.questions_ts, rt.store.replies(session.key)) if r.ts not in held]
    return thread, replies


def _changed(before: list[Reply], after: list[Reply], session: Session) -> bool:
    """True when the replies differ, leaving out mentions kept for the next version (held while writing)."""
    held = set(session.held_for_next)

    def fingerprint(replies: list[Reply]) -> str:
        kept = [(r.ts, r.text, r.answers) for r in replies if r.ts not in held]
        return hashlib.sha256(json.dumps(kept).encode()).hexdigest()

    return fingerprint(before) != fingerprint(after)


def _render_context(rt: Runtime, session: Session, discussion: Discussion) -> RenderContext:
    """What the document shows besides the model's spec: version, channel, links, clarifications."""
    return RenderContext(
        version=session.version,
        generated_at=datetime.now(UTC),
        channel_name=rt.slack.channel_name(session.channel_id),
        thread_url=_link(rt, session, session.thread_ts),
        source_links=_source_links(rt, session, discussion),
        clarifications=[
            Clarification(
                number=c.number,
                area=c.area,
                question=c.question,
                answer=c.answer,
                answered_by=c.answered_by,
                quotes=[_quote(rt, session, q) for q in c.quotes],
            )
            for c in discussion.clarifications
        ],
        other_input=[_quote(rt, session, q) for c in discussion.general_replies for q in c.quotes],
        condensed_history=discussion.condensed,
        redacted_count=discussion.redacted_count,
    )


def _quote(rt: Runtime, session: Session, quote: AnswerQuote) -> Quote:
    return Quote(text=quote.text, author=quote.author, link=_link(rt, session, quote.reply_ts))


def _summary(written: WrittenSpec, sheet: AnswerSheet) -> SpecSummary:
    spec = written.spec
    return SpecSummary(
        title=redact_text(spec.title),
        overview=redact_text(spec.overview),
        requirements=len(spec.functional_requirements),
        risks=len(spec.risks),
        open_questions=len(spec.open_questions),
        answered_by=list(dict.fromkeys(p.user_id for a in sheet.answers.values() for p in a.parts())),
        needs_human=[r.title for r in written.needs_human],
    )


def render_document(rt: Runtime, spec: TechnicalSpecDraft, context: RenderContext, documents: Environment) -> str:
    """The document; an admin's template that fails on this spec (checked only against a sample) gives way
    to the operator's, so the spec is still delivered, and the log says why. An admin's template renders in
    a limited child process (bot.spec.isolation)."""
    try:
        if rt.workspace is not None and rt.workspace.spec_template is not None:
            return render_workspace(rt.workspace.spec_template, spec, context)
        return render_spec(spec, context, documents)
    except (TemplateProblem, TemplateError, ArithmeticError, LookupError, TypeError, ValueError, RecursionError):
        if rt.workspace is None or rt.workspace.spec_template is None:
            raise
        log.warning("workspace template failed on this spec: the default template was used", exc_info=True)
        return render_spec(spec, context, document_environment(rt.settings.techspec_templates_dir))


def spec_documents(rt: Runtime) -> Environment:
    """The spec template's environment: the workspace admin's template (sandboxed), else the operator's."""
    if rt.workspace is not None and rt.workspace.spec_template is not None:
        return workspace_environment(rt.workspace.spec_template)
    return document_environment(rt.settings.techspec_templates_dir)


@lru_cache(maxsize=4)
def document_environment(override_dir: Path | None) -> Environment:
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


def _save_spec(session: Session, composed: ComposedSpec) -> None:
    session.spec_markdown = composed.markdown
    session.spec_comment = composed.comment
    session.spec_summary = composed.summary
    session.redacted_count = composed.redacted_count
