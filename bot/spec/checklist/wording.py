"""The checklist's words for people and the model, from prompts/checklist_problems.md.j2 (one file for both)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.llm.prompts import PromptLibrary
from bot.spec.checklist import ItemResult
from bot.spec.checklist.base import Problem

TEMPLATE = "checklist_problems"
# How many of an item's problems its summary quotes (the rest are fixed in the same sections).
SUMMARY_PROBLEMS = 3


@dataclass(frozen=True)
class WordedItem:
    """A failing checklist item as people read it: its id, the template's title, and its summary."""

    item: str
    title: str
    summary: str


class ChecklistWording:
    """Renders checklist titles and problem sentences with the macros the repair prompt uses too."""

    def __init__(self, prompts: PromptLibrary) -> None:
        self._macros = prompts.macros(TEMPLATE)

    def title(self, item: str) -> str:
        """The template's wording of a checklist item ("Overview clearly states the technical objective")."""
        return str(self._macros.titles[item])

    def problem(self, found: Problem) -> str:
        """One problem as a sentence ('FR-1 says "fast" without a measurable number')."""
        return str(getattr(self._macros, found.code)(**found.params))

    def worded(self, result: ItemResult) -> WordedItem:
        """A failing item for people: 'title: first problem; second problem' (its first few problems)."""
        title = self.title(result.item)
        sentences = [self.problem(found) for found in result.problems[:SUMMARY_PROBLEMS]]
        return WordedItem(result.item, title, str(self._macros.summary(title, sentences)))
