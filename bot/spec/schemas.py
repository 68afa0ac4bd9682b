"""Pydantic schemas for what the model returns in the clarify and condense steps (the spec: bot.spec.document).

These are sent to the endpoint as strict JSON schemas, so every field is required (optional
values are nullable, never defaulted) and every object forbids extra keys.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

# Size bounds every schema carries, so a looping model cannot fill the context: the grammar-based
# servers enforce them, and the client clips an answer to them before validating it.
MAX_TEXT_CHARS = 1_500
MAX_ITEMS = 25
# Fields that need more room than the defaults (diagrams, the spec's longer prose).
LONG_TEXT = {"diagram": 4_000, "current_architecture": 3_000, "data_flow": 3_000}


def add_bounds(schema: dict[str, Any], cls: type[BaseModel] | None = None) -> None:
    """Give every string property a maxLength and every list property a maxItems, unless it has one."""
    for name, prop in (schema.get("properties") or {}).items():
        for option in prop.get("anyOf") or [prop]:
            if option.get("type") == "string" and "enum" not in option:
                option.setdefault("maxLength", LONG_TEXT.get(name, MAX_TEXT_CHARS))
            elif option.get("type") == "array":
                option.setdefault("maxItems", MAX_ITEMS)
                items = option.get("items") or {}
                if items.get("type") == "string":
                    items.setdefault("maxLength", MAX_TEXT_CHARS)


class Strict(BaseModel):
    """Base for model-output objects: no unknown keys, whitespace trimmed, every string and list bounded."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=add_bounds)
    # max_tokens for a call answering with this object (bot.llm.client reads it).
    output_tokens: ClassVar[int] = 2_000


class Area(StrEnum):
    """The template's clarification areas, in the template's order."""

    SYSTEM_CONTEXT = "system_context"
    INTEGRATION_POINTS = "integration_points"
    DATA = "data"
    PERFORMANCE = "performance"
    SECURITY = "security"
    COMPATIBILITY = "compatibility"
    INFRASTRUCTURE = "infrastructure"
    ERROR_HANDLING = "error_handling"

    @property
    def label(self) -> str:
        """Human title of the area as the template words it."""
        return AREA_TITLES[self]


AREA_TITLES: dict[Area, str] = {
    Area.SYSTEM_CONTEXT: "System Context",
    Area.INTEGRATION_POINTS: "Integration Points",
    Area.DATA: "Data Requirements",
    Area.PERFORMANCE: "Performance Requirements",
    Area.SECURITY: "Security Requirements",
    Area.COMPATIBILITY: "Compatibility",
    Area.INFRASTRUCTURE: "Infrastructure",
    Area.ERROR_HANDLING: "Error Handling",
}


# ---------------------------------------------------------------- step 1: clarify


class DraftQuestion(Strict):
    """One clarifying question as the model proposes it."""

    area: Area
    question: str
    why_it_matters: str
    recommended_answer: str | None
    # Transcript labels ("M3") of the messages that raised the point: their authors are named as the
    # people who would know. Labels, not user ids, so the model can only point at people in the thread.
    raised_in: list[str] | None = Field(max_length=6)


class UiPhrases(Strict):
    """The bot's fixed wording translated into the thread's language (None for English threads)."""

    reading: str
    waiting_for_answers: str
    answered: str
    when_ready: str
    writing: str
    done: str
    questions_header: str
    intro: str
    how_to_answer: str
    answer_in_form: str
    generate_now: str
    cancel: str


class ClarifyResult(Strict):
    """The clarify step's verdict: the thread is clear, or these questions need answers."""

    output_tokens: ClassVar[int] = 2_500
    thread_is_clear: bool
    title: str = Field(max_length=120)
    language: str = Field(max_length=40)
    questions: list[DraftQuestion] = Field(max_length=12)
    # Sent as required-and-nullable in the strict schema; a default keeps older scripted answers valid.
    ui_phrases: UiPhrases | None = None


# ---------------------------------------------------------------- long threads: condensing


class CondensedNote(Strict):
    """One point of a condensed stretch of the thread, with who said it and where."""

    text: str
    authors: list[str]
    sources: list[str]


class CondensedNotes(Strict):
    """What a stretch of the thread settled, required and left open."""

    decisions: list[CondensedNote]
    constraints: list[CondensedNote]
    open_questions: list[CondensedNote]
