"""Checks on the spec's prose sections: overview, context, requirements, error handling, testing, risks.

Each returns problems as data (a code and its details); prompts/checklist_problems.md.j2 words them.
"""

from __future__ import annotations

import re

from bot.spec.checklist.base import (
    NFR_ATTRIBUTES,
    RATINGS,
    VAGUE,
    CheckContext,
    Problem,
    blank,
    has_measure,
    problem,
    sentence_count,
    strip_fr_prefix,
)
from bot.spec.document import TechnicalSpecDraft

ERROR_COLUMNS = ("scenario", "detection", "handling", "recovery")


def overview(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """One or two sentences stating the objective and the scope."""
    sentences, words = sentence_count(spec.overview), len(spec.overview.split())
    if words < 8:
        return [problem("overview", "overview_too_short")]
    if sentences > 2:
        return [problem("overview", "overview_too_long", sentences=sentences)]
    return []


def system_context(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """Names the affected components; a diagram when more than two components interact."""
    context, problems = spec.system_context, []
    if not [c for c in context.affected_components if not blank(c)]:
        problems.append(problem("system_context", "no_affected_components"))
    if blank(context.current_architecture):
        problems.append(problem("system_context", "no_current_architecture"))
    interacting = max(len(context.affected_components), len(spec.architecture.components))
    if interacting > 2 and blank(context.diagram):
        problems.append(problem("system_context", "no_diagram", components=interacting))
    return problems


def functional(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """At least one requirement; each testable (no unquantified vague word) and not self-numbered."""
    if not spec.functional_requirements:
        return [problem("functional_requirements", "no_requirements")]
    problems = []
    for number, fr in enumerate(spec.functional_requirements, start=1):
        vague = VAGUE.search(fr.text)
        if blank(fr.text):
            problems.append(problem("functional_requirements", "requirement_empty", number=number))
        elif vague and not has_measure(fr.text):
            problems.append(problem("functional_requirements", "requirement_vague", number=number, word=vague.group(0)))
        elif strip_fr_prefix(fr.text) != fr.text:
            problems.append(problem("functional_requirements", "requirement_self_numbered", number=number))
    return problems


def non_functional(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """Each attribute has a number with a unit, or is listed as an open question."""
    questions = " ".join(q.text for q in spec.open_questions).lower()
    return [
        problem("non_functional", "unmeasured_attribute", attribute=attribute)
        for attribute in NFR_ATTRIBUTES
        if not has_measure(getattr(spec.non_functional, attribute)) and attribute not in questions
    ]


def dependency_name(text: str) -> str:
    """The name part of a dependency line: 'Amazon S3 (exports bucket)' -> 'Amazon S3'."""
    return re.split(r"\s+(?:\(|-|–|for|via|to)\s*|[:(,;]", text.strip(), maxsplit=1)[0].strip()


def error_handling(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """At least one row, every column filled, a row naming each external service."""
    rows = spec.error_handling
    if not rows:
        return [problem("error_handling", "error_table_empty")]
    problems = []
    for number, row in enumerate(rows, start=1):
        empty = tuple(column for column in ERROR_COLUMNS if blank(getattr(row, column)))
        if empty:
            problems.append(problem("error_handling", "error_row_incomplete", row=number, columns=empty))
    table = " ".join(f"{r.scenario} {r.detection} {r.handling} {r.recovery}" for r in rows).lower()
    for dependency in spec.dependencies.external_services:
        name = dependency_name(dependency)
        words = [w for w in re.findall(r"[\w.+-]+", name.lower()) if len(w) > 1]
        if words and not any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", table) for w in words):
            problems.append(problem("error_handling", "dependency_uncovered", dependency=name))
    return problems


def testing(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """Unit, integration and performance tests, with numeric acceptance thresholds."""
    strategy, problems = spec.testing, []
    if not strategy.unit.key_units or blank(strategy.unit.mocking_strategy):
        problems.append(problem("testing", "unit_tests_incomplete"))
    if not strategy.integration.integration_points:
        problems.append(problem("testing", "no_integration_points"))
    if not strategy.performance.scenarios:
        problems.append(problem("testing", "no_performance_scenarios"))
    thresholds = strategy.performance.acceptance_thresholds
    if not thresholds or not all(has_measure(t) for t in thresholds):
        problems.append(problem("testing", "unmeasured_thresholds"))
    return problems


def risks(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """At least one risk; Impact and Likelihood rated High/Medium/Low; a mitigation each."""
    if not spec.risks:
        return [problem("risks", "no_risks")]
    problems = []
    for number, risk in enumerate(spec.risks, start=1):
        if risk.impact not in RATINGS or risk.likelihood not in RATINGS:
            problems.append(problem("risks", "risk_unrated", number=number))
        if blank(risk.mitigation):
            problems.append(problem("risks", "risk_unmitigated", number=number))
    return problems
