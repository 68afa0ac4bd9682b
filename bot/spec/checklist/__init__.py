"""The spec template's quality checklist, in code: one precise check per item, run on the spec model.

Each check reads the spec model (never the Markdown) and returns the problems it found, each naming
the section the model must rewrite to fix it; the writer sends exactly those to the model. A check
runs only when the (possibly overridden) spec template renders the section it is about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from jinja2 import Environment, meta

from bot.spec.checklist.base import CheckContext, Problem
from bot.spec.checklist.rules import CHECKS
from bot.spec.document import TechnicalSpecDraft

TEMPLATE_NAME = "TECHNICAL_SPEC.md.j2"
__all__ = ["CheckContext", "ChecklistReport", "ItemResult", "Problem", "run_checklist", "template_sections"]


@dataclass(frozen=True)
class ItemResult:
    """The outcome of one check: its item id and the problems found (bot.spec.checklist.wording words them)."""

    item: str
    problems: tuple[Problem, ...]

    @property
    def passed(self) -> bool:
        """True when the check found nothing wrong."""
        return not self.problems


@dataclass(frozen=True)
class ChecklistReport:
    """The results of every check that applies to the template."""

    results: tuple[ItemResult, ...]
    skipped: tuple[str, ...] = field(default=())

    @property
    def failing(self) -> list[ItemResult]:
        """The checks that found problems."""
        return [r for r in self.results if not r.passed]

    @property
    def passed_count(self) -> int:
        """How many applicable checks passed."""
        return sum(1 for r in self.results if r.passed)

    @property
    def total(self) -> int:
        """How many checks applied."""
        return len(self.results)

    def sections_to_repair(self) -> list[str]:
        """The spec fields the failing checks name, in schema order."""
        wanted = {p.section for r in self.failing for p in r.problems}
        return [name for name in TechnicalSpecDraft.model_fields if name in wanted]


def run_checklist(
    spec: TechnicalSpecDraft, context: CheckContext | None = None, sections: Iterable[str] | None = None
) -> ChecklistReport:
    """Run every check whose section the template renders (all of them when sections is None)."""
    rendered = None if sections is None else frozenset(sections)
    ctx = context or CheckContext()
    results, skipped = [], []
    for check in CHECKS:
        if rendered is not None and not rendered.intersection(check.fields):
            skipped.append(check.item)
            continue
        results.append(ItemResult(check.item, tuple(check.rule(spec, ctx))))
    return ChecklistReport(tuple(results), tuple(skipped))


def template_sections(env: Environment, name: str = TEMPLATE_NAME) -> frozenset[str]:
    """The spec fields a template renders (`spec.<field>`), following its includes and extends."""
    seen: set[str] = set()
    fields: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen or env.loader is None:
            continue
        seen.add(current)
        source = env.loader.get_source(env, current)[0]
        fields.update(re.findall(r"\bspec\.(\w+)", source))
        pending.extend(t for t in meta.find_referenced_templates(env.parse(source)) if t)
    known = set(TechnicalSpecDraft.model_fields)
    # A template that only passes `spec` around whole gives no names: then every check applies.
    return frozenset(fields & known) or frozenset(known)
