"""Domain records shared by services and storage (no Slack, Redis or OpenAI imports)."""

from __future__ import annotations

import re

from pydantic import BaseModel

from bot.spec.schemas import Area

# The template heads the document "Technical Spec: <title>"; a model often puts that in the title too.
_TITLE_PREFIX = re.compile(r"^\s*(?:(?:technical\s+spec(?:ification)?|tech\s+spec)\s*[:\-–—]\s*)+", re.IGNORECASE)


def clean_title(title: str) -> str:
    """The title without a leading "Technical Spec:" (so the document never says it twice)."""
    return _TITLE_PREFIX.sub("", title).strip() or title.strip()


class Question(BaseModel):
    """A clarifying question as posted in the thread."""

    number: int
    area: Area
    text: str
    why: str = ""
    recommended_answer: str | None = None
    experts: list[str] = []  # user ids of people in the thread who raised the point (mentioned)


class Reply(BaseModel):
    """A human reply in the thread after the questions, kept as an answer."""

    ts: str
    user_id: str
    text: str
    edited: bool = False
    answers: dict[int, str] | None = None  # answers already split by question (the answers form)


class SpecSummary(BaseModel):
    """What the summary posted with a spec says: its overview, sizes, and who answered."""

    title: str
    overview: str
    requirements: int
    risks: int
    open_questions: int
    answered_by: list[str] = []
    needs_human: list[str] = []


class RecentSpec(BaseModel):
    """One entry of a person's recent specs (App Home)."""

    title: str
    version: int
    channel_id: str
    link: str | None
    created_at: float
    thread_ts: str | None = None  # so forgetting a thread finds its entry (older entries lack it)
