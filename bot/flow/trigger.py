"""What the listeners hand to the flow: a request to work on a thread, a reply in one, and what became of it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from bot.spec.records import Reply
from bot.store.keys import session_key

Outcome = Literal["started", "write_requested", "resumed", "busy", "duplicate", "ignored", "cancelled", "refused"]


class InThread(BaseModel):
    """Something that happened in one thread: workspace, channel and the root message's ts."""

    team_id: str
    channel_id: str
    thread_ts: str

    @property
    def key(self) -> str:
        """The session key of the thread."""
        return session_key(self.team_id, self.channel_id, self.thread_ts)


class Trigger(InThread):
    """A request to work on a thread: who asked, and from which message."""

    trigger_ts: str
    user_id: str
    text: str = ""
    source: Literal["mention", "shortcut", "command", "button"] = "mention"
    dedupe_id: str = ""  # what makes this request unique when it is not the triggering message itself

    @property
    def claim_id(self) -> str:
        """What marks this request as handled (so a retry or a double delivery is recognised)."""
        return self.dedupe_id or self.trigger_ts


class ThreadReply(InThread):
    """A person's message in a thread (new or edited): maybe an answer to the bot's questions."""

    reply: Reply


class DeletedReply(InThread):
    """A message deleted from a thread: if it was an answer, it no longer is."""

    ts: str
