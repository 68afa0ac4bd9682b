"""The model port: what a raw model client offers, and the one way the spec services ask the model.

The services never see chat messages or repair requests: they call `ask(schema, template, **variables)`.
The prompts are rendered here, from prompts/, and so is the one repair request an invalid answer gets.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Protocol, TypeVar

from pydantic import BaseModel

from bot.errors import ModelOutputError
from bot.llm.prompts import PromptLibrary

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)
ChatMessage = Mapping[str, str]
# The invalid answer is echoed back in the repair request; a runaway answer must not blow the budget.
ECHO_LIMIT = 20_000


class StructuredModel(Protocol):
    """What a raw model client offers (bot.llm.client.ModelClient provides it)."""

    def attempt(self, schema: type[BaseModel], messages: Sequence[ChatMessage]) -> tuple[str, str | None]:
        """One call: (content, None) when content validates against schema, else (content, what was wrong)."""
        ...

    def schema_text(self, schema: type[BaseModel]) -> str | None:
        """The schema to paste into the prompt, or None when the endpoint enforces it."""
        ...


class PromptedModel:
    """The model as the spec services use it: a prompt template in, one validated object out."""

    def __init__(self, model: StructuredModel, prompts: PromptLibrary) -> None:
        self.model = model
        self.prompts = prompts

    def ask(self, schema: type[T], template: str, **variables: object) -> T:
        """Render system + template, ask for one object of schema, and repair an invalid answer once."""
        user = self.prompts.render(template, schema_json=self.model.schema_text(schema), **variables)
        messages: list[ChatMessage] = [
            {"role": "system", "content": self.prompts.render("system")},
            {"role": "user", "content": user},
        ]
        content, problem = self.model.attempt(schema, messages)
        if problem is None:
            return schema.model_validate_json(content)
        log.warning("model output invalid, asking for a repair", extra={"schema": schema.__name__})
        messages += [
            {"role": "assistant", "content": content[:ECHO_LIMIT]},
            {"role": "user", "content": self.prompts.render("repair", problem=problem)},
        ]
        content, problem = self.model.attempt(schema, messages)
        if problem is not None:
            raise ModelOutputError(problem)
        return schema.model_validate_json(content)
