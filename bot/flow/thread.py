"""Read a session's thread once and derive what the steps need: messages, names, replies, discussion."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any

from bot.flow.budget import prompt_budget
from bot.flow.paced import read_paced
from bot.llm.tokens import token_counter
from bot.slack.people import MENTION_LOOKUP_LIMIT
from bot.spec.answers import AnswerSheet
from bot.spec.bounds import LeftOut, bound_thread
from bot.spec.condense import CondensedHistory, Line, condense_history, history_from_notes
from bot.spec.discussion import PROMPT_RESERVE, Condenser, Discussion, RevisionContext, build_discussion
from bot.spec.records import Reply
from bot.spec.schemas import CondensedNotes
from bot.spec.transcript import (
    ThreadMessage,
    author_ids,
    clean_name,
    mention_ids,
    plain_text,
    readable_files,
    to_thread_messages,
)
from bot.store.sessions import Session
from bot.wiring import Runtime

log = logging.getLogger(__name__)


@dataclass
class LoadedThread:
    """A thread as read from Slack, made plain, with people's names."""

    raw: list[dict[str, Any]]
    messages: list[ThreadMessage]
    names: dict[str, str]
    bot_user_id: str
    left_out: LeftOut | None = None
    # Fingerprints of the secrets redacted from the messages before they were kept (never the values).
    secrets: frozenset[str] = frozenset()

    @property
    def human_count(self) -> int:
        """How many messages people (not this bot) wrote."""
        return sum(1 for m in self.messages if not m.is_bot)

    def has_discussion(self) -> bool:
        """True when people wrote something besides mentioning the bot (text or files)."""
        bot_name = self.names.get(self.bot_user_id, "")
        for message in self.messages:
            if message.is_bot:
                continue
            text = message.text.replace(f"@{bot_name}", "") if bot_name else message.text
            if text.replace(f"@{self.bot_user_id}", "").strip() or message.files:
                return True
        return False

    def replies_after(self, questions_ts: str | None, recorded: list[Reply]) -> list[Reply]:
        """Answers: recorded replies, refreshed with the thread's current text, plus any the events missed."""
        if questions_ts is None:
            return []
        cutoff = float(questions_ts)
        # The thread is the truth: a recorded reply no longer in it was deleted (its event may be late);
        # one newer than what was read (a copy that Slack's slow tier did not let us refresh) is kept.
        present = {str(m.get("ts", "")) for m in self.raw}
        newest = max((float(ts) for ts in present if ts), default=0.0)
        by_ts = {r.ts: r for r in recorded if float(r.ts) > cutoff and (r.ts in present or float(r.ts) > newest)}
        bot_mention = f"<@{self.bot_user_id}>"
        for raw in self.raw:
            ts = str(raw.get("ts", ""))
            if not ts or float(ts) <= cutoff or raw.get("bot_id") or not raw.get("user"):
                continue
            text = plain_text(str(raw.get("text", "")).replace(bot_mention, ""), self.names).strip()
            by_ts[ts] = Reply(ts=ts, user_id=str(raw["user"]), text=text, edited=bool(raw.get("edited")))
        return sorted(by_ts.values(), key=lambda r: float(r.ts))

    def discussion(self, rt: Runtime, session: Session, sheet: AnswerSheet) -> Discussion:
        """The labelled, redacted, budgeted discussion for the model."""
        discussion = self._discussion(rt, session, sheet)
        # The messages were redacted as they were read (secrets never reach Redis): count those secrets too.
        discussion.redacted_count += len(self.secrets)
        return discussion

    def _discussion(self, rt: Runtime, session: Session, sheet: AnswerSheet) -> Discussion:
        return _with_revision(
            session,
            build_discussion(
                self.messages,
                questions=[*session.questions, *session.extra_questions],
                questions_ts=session.questions_ts,
                sheet=sheet,
                names=self.names,
                token_budget=prompt_budget(rt),
                prompts=rt.prompts,
                count=token_counter(rt.settings.openai_model).count,
                condense=_condenser(rt, session),
                since_ts=session.revision_base_ts if session.revising else None,
            ),
        )


def load_thread(rt: Runtime, session: Session, *, may_pause: bool = True) -> LoadedThread:
    """The session's thread, every page (at the slow tier the pages read before are kept, redacted), with
    names resolved (cached); raises ReadPaused when Slack wants the next page later, unless may_pause is False."""
    settings = rt.settings
    limit_messages, limit_chars = settings.techspec_thread_max_messages, settings.techspec_thread_max_chars
    copy = read_paced(rt, session, limit_messages, may_pause=may_pause)
    raw, left_out = bound_thread(copy.messages, limit_messages, limit_chars)
    identity = rt.slack.identity()
    # Authors are looked up (one users.info per new author); people only mentioned are named from the
    # cache or left as ids, so a message with thousands of mentions costs no Slack calls.
    names = rt.users.names(author_ids(raw))
    names = {**rt.users.known(mention_ids(raw, MENTION_LOOKUP_LIMIT) - names.keys()), **names}
    # Names are data: cleaned once here, so no display name can forge a transcript line or an answer's author.
    names = {user: clean_name(name) for user, name in names.items()}
    limit = rt.settings.techspec_file_text_limit_bytes
    file_texts, not_slack = _file_texts(rt, raw, limit)
    messages = to_thread_messages(
        raw,
        names,
        bot_user_id=identity.user_id,
        bot_id=identity.bot_id,
        file_texts=file_texts,
        file_size_limit=limit,
        not_slack=not_slack,
    )
    _credit_words_root(rt, session, raw, names, messages)
    return LoadedThread(raw, messages, names, identity.user_id, left_out, frozenset(copy.secrets))


def _credit_words_root(
    rt: Runtime, session: Session, raw: list[dict[str, Any]], names: dict[str, str], messages: list[ThreadMessage]
) -> None:
    """`/techspec <words>` threads start with our post of the person's words: that is discussion, by the
    person our post names (not by the bot, nor by whoever asks for a later version)."""
    if messages and messages[0].is_bot and messages[0].ts == session.thread_ts:
        asker = re.search(r"<@([UW][A-Z0-9]+)>", str(raw[0].get("text", "")))
        user_id = asker.group(1) if asker else session.requested_by
        author = names.get(user_id) or clean_name(rt.users.names([user_id]).get(user_id) or user_id)
        messages[0] = messages[0].model_copy(update={"is_bot": False, "author": author, "user_id": user_id})


def _with_revision(session: Session, discussion: Discussion) -> Discussion:
    if session.revising and session.previous_spec_markdown:
        discussion.revision = RevisionContext(
            version=session.version - 1,
            title=session.title or "Technical specification",
            language=session.language,
            spec_markdown=session.previous_spec_markdown,
        )
    return discussion


def _file_texts(rt: Runtime, raw: list[dict[str, Any]], limit: int) -> tuple[dict[str, str], frozenset[str]]:
    """Download the small text files and snippets attached to the thread: (file id -> text, the ids of
    files not downloaded because their address is not on Slack's file hosts)."""
    texts: dict[str, str] = {}
    not_slack: set[str] = set()
    budget = limit * 8  # per thread, so a thread of pasted logs cannot make reading it slow
    for file in readable_files(raw, limit) if limit else []:
        if budget <= 0:
            break
        if not rt.files.allowed(str(file["url_private"])):
            not_slack.add(str(file["id"]))  # the bot token goes to Slack only
            continue
        text = rt.files.text(str(file["url_private"]), limit)
        if text is not None:
            texts[str(file["id"])] = text
            budget -= len(text.encode())
    return texts, frozenset(not_slack)


def _condenser(rt: Runtime, session: Session) -> Condenser:
    """Condense with the model; notes made by the clarify step are reused by the write step."""
    settings = rt.settings
    count = token_counter(settings.openai_model).count
    budget = prompt_budget(rt)
    chunk_budget = budget - min(PROMPT_RESERVE, budget // 4)

    def condense(lines: list[Line], notes_budget: int) -> CondensedHistory:
        key = hashlib.sha256("|".join([settings.openai_model, *(line.digest for line in lines)]).encode()).hexdigest()
        stored = rt.store.get(session.key)
        if stored is not None and stored.condensed_key == key and stored.condensed_notes:
            notes = CondensedNotes.model_validate_json(stored.condensed_notes)
            return history_from_notes(notes, lines, notes_budget, count, prompts=rt.prompts)
        history = condense_history(
            lines,
            llm=rt.llm,
            count=count,
            chunk_budget=chunk_budget,
            notes_budget=notes_budget,
            max_chunks=settings.techspec_condense_max_chunks,
        )
        log.info(
            "thread condensed",
            extra={"messages": len(lines), "chunk_calls": history.chunk_calls, "merge_calls": history.merge_calls},
        )
        rt.store.update(session.key, lambda s: _keep_notes(s, key, history.notes))
        return history

    return condense


def _keep_notes(session: Session, key: str, notes: CondensedNotes) -> None:
    session.condensed_key = key
    session.condensed_notes = notes.model_dump_json()
