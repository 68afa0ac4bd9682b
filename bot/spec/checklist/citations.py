"""Checks that keep the spec honest: open questions and assumptions listed, citations real, no placeholders."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from bot.spec.checklist.base import CONTRADICTION, PLACEHOLDER, CheckContext, Problem, mentions, problem
from bot.spec.document import TechnicalSpecDraft

# How much of a question or contradiction a problem quotes.
QUOTE_LIMIT = 80


class Unsourced(NamedTuple):
    """A requirement, decision or risk that cites nothing: an assumption (kind, its number, its text)."""

    kind: str
    number: int
    text: str


def unsourced_items(spec: TechnicalSpecDraft) -> list[Unsourced]:
    """Every requirement, decision and risk that cites nothing: the assumptions."""
    requirements, decisions = spec.functional_requirements, spec.architecture.decisions
    items = [Unsourced("requirement", n, fr.text) for n, fr in enumerate(requirements, 1) if not fr.sources]
    items += [Unsourced("decision", n, d.decision) for n, d in enumerate(decisions, 1) if not d.sources]
    items += [Unsourced("risk", n, r.risk) for n, r in enumerate(spec.risks, 1) if not r.sources]
    return items


def open_questions(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """Every unanswered question and every assumption is listed; contradictions cite both sides."""
    listed = " ".join(q.text for q in spec.open_questions)
    problems = [
        problem("open_questions", "unanswered_missing", question=q[:QUOTE_LIMIT])
        for q in ctx.unanswered
        if not mentions(listed, q)
    ]
    problems += [
        problem("open_questions", "assumption_missing", kind=item.kind, number=item.number)
        for item in unsourced_items(spec)
        if not mentions(listed, item.text)
    ]
    problems += [
        problem("open_questions", "contradiction_one_sided", question=question.text[:QUOTE_LIMIT])
        for question in spec.open_questions
        if CONTRADICTION.search(question.text) and len(set(question.sources)) < 2
    ]
    return problems


def _cited(spec: TechnicalSpecDraft) -> Iterator[tuple[str, str, int, list[str]]]:
    """(section, kind, number, sources) of everything that cites the thread."""
    for n, fr in enumerate(spec.functional_requirements, 1):
        yield "functional_requirements", "requirement", n, fr.sources
    for n, decision in enumerate(spec.architecture.decisions, 1):
        yield "architecture", "decision", n, decision.sources
    for n, risk in enumerate(spec.risks, 1):
        yield "risks", "risk", n, risk.sources
    for n, question in enumerate(spec.open_questions, 1):
        yield "open_questions", "open_question", n, question.sources


def traceability(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """Every citation names a message, answer or question that exists."""
    if ctx.labels is None:
        return []
    problems = []
    for section, kind, number, sources in _cited(spec):
        unknown = tuple(s for s in sources if s.strip().strip("[]").upper() not in ctx.labels)
        if unknown:
            problems.append(problem(section, "unknown_citation", kind=kind, number=number, sources=unknown))
    return problems


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value, 1):
            yield from _strings(item, f"{path}[{index}]")


def ambiguity(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """Component changes are spelled out; no placeholder (TBD, etc., as needed) outside Open Questions."""
    problems = []
    if not spec.component_changes or not all(c.changes for c in spec.component_changes):
        problems.append(problem("component_changes", "changes_unlisted"))
    data = spec.model_dump(exclude={"open_questions", "references", "title"})
    for section, value in data.items():
        for path, text in _strings(value, section):
            found = PLACEHOLDER.search(text)
            if found:
                problems.append(problem(section, "placeholder", path=path, found=found.group(0)))
    return problems
