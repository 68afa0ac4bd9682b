"""Step 2: write the spec model from the discussion and the answers."""

from __future__ import annotations

from bot.clarify import StructuredModel
from bot.discussion import Discussion
from bot.prompting import PromptLibrary
from bot.schemas import Sourced, TechnicalSpecDraft


def write_spec(
    discussion: Discussion, language: str, model: StructuredModel, prompts: PromptLibrary
) -> TechnicalSpecDraft:
    """Ask the model for the whole spec, then make sure no unanswered question is dropped."""
    user = prompts.render(
        "write",
        transcript=discussion.transcript,
        message_count=discussion.message_count,
        condensed=discussion.condensed,
        clarifications=[c.model_dump() for c in discussion.clarifications],
        general_replies=[c.model_dump() for c in discussion.general_replies],
        language=language,
        schema_json=model.schema_text(TechnicalSpecDraft),
    )
    spec = model.structured(
        TechnicalSpecDraft, prompts.render("system"), user, prompts.render("repair", problem="{problem}")
    )
    return with_unanswered_questions(spec, discussion)


def with_unanswered_questions(spec: TechnicalSpecDraft, discussion: Discussion) -> TechnicalSpecDraft:
    """Add every question the team left unanswered to Open Questions, unless the model already has it."""
    present = " ".join(item.text.lower() for item in spec.open_questions)
    missing = [
        Sourced(text=f"{c.question} (clarifying question {c.number}, {c.area}; unanswered)", sources=[])
        for c in discussion.clarifications
        if not c.answer and c.question.lower()[:60] not in present
    ]
    return spec.model_copy(update={"open_questions": [*spec.open_questions, *missing]})
