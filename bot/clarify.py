"""Step 1: decide whether the thread is clear, or which questions to ask, by area."""

from __future__ import annotations

from typing import Protocol, TypeVar

from pydantic import BaseModel

from bot.discussion import Discussion
from bot.models import Question
from bot.prompting import PromptLibrary
from bot.schemas import Area, ClarifyResult

T = TypeVar("T", bound=BaseModel)
AREA_ORDER = list(Area)


class StructuredModel(Protocol):
    """What the services need from a model client (bot.llm.ModelClient provides it)."""

    def structured(self, schema: type[T], system: str, user: str, repair_prompt: str) -> T:
        """Return one validated object of schema."""
        ...

    def schema_text(self, schema: type[BaseModel]) -> str | None:
        """The schema to embed in the prompt, or None when the endpoint enforces it."""
        ...


class ClarifyOutcome(BaseModel):
    """The questions to post (empty when the thread is clear), the spec's title and language."""

    clear: bool
    title: str
    language: str
    questions: list[Question]


def clarify(
    discussion: Discussion, model: StructuredModel, prompts: PromptLibrary, max_questions: int
) -> ClarifyOutcome:
    """Ask the model which areas the thread leaves unclear; number the questions grouped by area."""
    user = prompts.render(
        "clarify",
        transcript=discussion.transcript,
        message_count=discussion.message_count,
        condensed=discussion.condensed,
        max_questions=max_questions,
        schema_json=model.schema_text(ClarifyResult),
    )
    result = model.structured(
        ClarifyResult, prompts.render("system"), user, prompts.render("repair", problem="{problem}")
    )
    drafts = sorted(result.questions, key=lambda q: AREA_ORDER.index(q.area))[:max_questions]
    questions = [
        Question(
            number=index,
            area=draft.area,
            text=draft.question,
            why=draft.why_it_matters,
            recommended_answer=draft.recommended_answer or None,
        )
        for index, draft in enumerate(drafts, start=1)
        if draft.question
    ]
    clear = result.thread_is_clear or not questions
    return ClarifyOutcome(
        clear=clear,
        title=result.title or "Technical specification",
        language=result.language or "English",
        questions=[] if clear else questions,
    )
