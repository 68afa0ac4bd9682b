"""The model port: what a raw model client offers, and the one way the spec services ask the model.

The services never see chat messages or repair requests: they call `ask(schema, template, **variables)`.
The prompts are rendered here, from prompts/, and so is the one repair request an invalid answer gets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, TypeVar

from pydantic import BaseModel

from bot.errors import ModelOutputError
from bot.llm.capabilities import MODES, ModeChanged
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

    def json_example(self, schema: type[BaseModel]) -> str | None:
        """An example answer to show in the prompt (plain-text mode), or None."""
        ...


class PromptedModel:
    """The model as the spec services use it: a prompt template in, one validated object out."""

    def __init__(self, model: StructuredModel, prompts: PromptLibrary) -> None:
        self.model = model
        self.prompts = prompts

    def ask(self, schema: type[T], template: str, **variables: object) -> T:
        """Render system + template, ask for one object of schema, and repair an invalid answer once."""
        for _ in MODES:
            try:
                return self._ask(schema, template, variables)
            except ModeChanged as changed:
                # The endpoint refused this structured mode: render again for the next (schema in the prompt).
                log.info(
                    "structured mode changed, asking again", extra={"schema": schema.__name__, "why": str(changed)}
                )
        raise ModelOutputError("no structured mode left")

    def messages(self, schema: type[BaseModel], template: str, variables: dict[str, object]) -> list[ChatMessage]:
        """The system and user messages for one question, rendered for the endpoint's current mode."""
        user = self.prompts.render(template, schema_json=self.model.schema_text(schema), **variables)
        system = self.prompts.render("system", json_example=self.model.json_example(schema))
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def fixed_tokens(self, schema: type[BaseModel], template: str, count: Callable[[str], int]) -> int:
        """Tokens of a prompt's fixed parts in the current mode: system, template text, schema or example."""
        parts = [
            self.prompts.source("system"),
            self.prompts.source(template),
            self.model.schema_text(schema) or "",
            self.model.json_example(schema) or "",
        ]
        return sum(count(part) for part in parts)

    def _ask(self, schema: type[T], template: str, variables: dict[str, object]) -> T:
        messages = self.messages(schema, template, variables)
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
