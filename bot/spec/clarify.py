"""Step 1: decide whether the thread is clear, or which questions to ask, by area."""

from __future__ import annotations

import re

from pydantic import BaseModel

from bot.llm.port import PromptedModel
from bot.spec.discussion import Discussion
from bot.spec.language import thread_language
from bot.spec.records import Question, clean_title
from bot.spec.redaction import redact_text
from bot.spec.schemas import Area, ClarifyResult, DraftQuestion, UiPhrases

AREA_ORDER = list(Area)
MAX_EXPERTS = 3
# Past the questions people are asked, a model's extra questions are kept (up to this many in all)
# for the spec's Open Questions rather than dropped.
MAX_KEPT = 60
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")


class ClarifyOutcome(BaseModel):
    """The questions to post (empty when the thread is clear), the spec's title and language."""

    clear: bool
    title: str
    language: str
    questions: list[Question]
    phrases: UiPhrases | None = None
    extra: list[Question] = []  # beyond max_questions: not asked, listed in Open Questions


def clarify(discussion: Discussion, llm: PromptedModel, max_questions: int) -> ClarifyOutcome:
    """Ask the model which areas the thread leaves unclear; number the questions grouped by area."""
    revision = discussion.revision
    if revision is not None and discussion.message_count == 0:
        # Nothing was said since the last version: no gaps can have opened, so no model call.
        return ClarifyOutcome(clear=True, title=revision.title, language=revision.language, questions=[])
    result = llm.ask(
        ClarifyResult,
        "clarify",
        transcript=discussion.transcript,
        message_count=discussion.message_count,
        condensed=discussion.condensed,
        max_questions=max_questions,
        previous_spec=revision.spec_markdown if revision else None,
    )
    every = numbered_questions(result.questions, discussion.message_authors, max(MAX_KEPT, max_questions))
    questions = every[:max_questions]
    clear = result.thread_is_clear or not questions
    if revision is not None and clear:
        return ClarifyOutcome(clear=True, title=revision.title, language=revision.language, questions=[])
    # From the messages' text; the model's answer only for a very short thread, and only if it is a language.
    language = thread_language(discussion.transcript, result.language)
    return ClarifyOutcome(
        clear=clear,
        title=clean_title(result.title) or "Technical specification",
        language=language,
        questions=[] if clear else questions,
        phrases=None if is_english(language) else result.ui_phrases,
        extra=[] if clear else every[max_questions:],
    )


def numbered_questions(drafts: list[DraftQuestion], authors: dict[str, str], max_questions: int) -> list[Question]:
    """The model's questions grouped in the template's area order, at most max_questions, numbered from 1."""
    # Drop empty questions before numbering, so the numbers people answer with have no gaps.
    asked = sorted((draft for draft in drafts if draft.question), key=lambda q: AREA_ORDER.index(q.area))
    return [
        # Posted and stored as the model wrote them: redacted like everything else the bot posts.
        Question(
            number=index,
            area=draft.area,
            text=redact_text(draft.question),
            why=redact_text(draft.why_it_matters),
            recommended_answer=redact_text(draft.recommended_answer) if draft.recommended_answer else None,
            experts=experts_for(draft.raised_in, authors),
        )
        for index, draft in enumerate(asked[:max_questions], start=1)
    ]


def is_english(language: str) -> bool:
    """True when the thread's language is English (the bot's own wording needs no translation)."""
    return language.strip().lower() in ("", "english", "en", "en-us", "en-gb")


def experts_for(labels: list[str] | None, authors: dict[str, str], limit: int = MAX_EXPERTS) -> list[str]:
    """User ids of the authors of the labelled messages: only people who posted in the thread, at most limit.

    The model names messages, never people, and the ids come from the transcript's own labels, so a
    question can never mention someone outside the thread (nor @here/@channel, which are not users).
    """
    experts: list[str] = []
    for label in labels or []:
        user_id = authors.get(label.strip().strip("[]").upper())
        if user_id and _USER_ID.fullmatch(user_id) and user_id not in experts:
            experts.append(user_id)
    return experts[:limit]
