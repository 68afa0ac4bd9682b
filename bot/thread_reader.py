"""Read a session's thread once and derive what the steps need: messages, names, replies, discussion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.answers import AnswerSheet
from bot.discussion import Discussion, build_discussion
from bot.models import Reply
from bot.runtime import Runtime
from bot.sessions import Session
from bot.transcript import ThreadMessage, mentioned_user_ids, plain_text, to_thread_messages


@dataclass
class LoadedThread:
    """A thread as read from Slack, made plain, with people's names."""

    raw: list[dict[str, Any]]
    messages: list[ThreadMessage]
    names: dict[str, str]
    bot_user_id: str

    @property
    def human_count(self) -> int:
        """How many messages people (not this bot) wrote."""
        return sum(1 for m in self.messages if not m.is_bot)

    def replies_after(self, questions_ts: str | None, recorded: list[Reply]) -> list[Reply]:
        """Answers: recorded replies, refreshed with the thread's current text, plus any the events missed."""
        if questions_ts is None:
            return []
        cutoff = float(questions_ts)
        by_ts = {r.ts: r for r in recorded if float(r.ts) > cutoff}
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
        return build_discussion(
            self.messages,
            questions=session.questions,
            questions_ts=session.questions_ts,
            sheet=sheet,
            names=self.names,
            token_budget=rt.settings.techspec_prompt_token_budget,
        )


def load_thread(rt: Runtime, session: Session) -> LoadedThread:
    """Read every page of the session's thread and resolve the names in it (cached)."""
    raw = rt.slack.read_thread(session.channel_id, session.thread_ts)
    identity = rt.slack.identity()
    names = rt.users.names(mentioned_user_ids(raw))
    messages = to_thread_messages(raw, names, bot_user_id=identity.user_id, bot_id=identity.bot_id)
    return LoadedThread(raw=raw, messages=messages, names=names, bot_user_id=identity.user_id)
