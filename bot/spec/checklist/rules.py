"""The checklist's rules: the template's quality checklist as precise checks on the spec model.

Each rule returns the problems it finds, each naming the spec field the model must rewrite to fix
it. The rules are English-worded where words matter (vague words, placeholders); numbers with units
and citations work in any language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from bot.spec.checklist.base import (
    BODYLESS_METHODS,
    CONTRADICTION,
    HTTP_METHODS,
    NFR_ATTRIBUTES,
    PLACEHOLDER,
    RATINGS,
    VAGUE,
    Check,
    CheckContext,
    Problem,
    blank,
    has_measure,
    mentions,
    sentence_count,
    strip_fr_prefix,
)
from bot.spec.document import ApiContract, DataEntity, TechnicalSpecDraft


def _overview(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """One or two sentences stating the objective and the scope."""
    sentences, words = sentence_count(spec.overview), len(spec.overview.split())
    if words < 8:
        return [Problem("overview", "the overview must state the objective and scope (it has fewer than 8 words)")]
    if sentences > 2:
        return [Problem("overview", f"the overview must be one or two sentences (it has {sentences})")]
    return []


def _system_context(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """Names the affected components; a diagram when more than two components interact."""
    context, problems = spec.system_context, []
    if not [c for c in context.affected_components if not blank(c)]:
        problems.append(Problem("system_context", "no affected components are named"))
    if blank(context.current_architecture):
        problems.append(Problem("system_context", "the current architecture is not described"))
    interacting = max(len(context.affected_components), len(spec.architecture.components))
    if interacting > 2 and blank(context.diagram):
        problems.append(
            Problem("system_context", f"{interacting} components interact but there is no diagram (Mermaid or ASCII)")
        )
    return problems


def _functional(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """At least one requirement; each testable (no unquantified vague word) and not self-numbered."""
    if not spec.functional_requirements:
        return [Problem("functional_requirements", "there are no functional requirements")]
    problems = []
    for number, fr in enumerate(spec.functional_requirements, start=1):
        vague = VAGUE.search(fr.text)
        if blank(fr.text):
            problems.append(Problem("functional_requirements", f"FR-{number} is empty"))
        elif vague and not has_measure(fr.text):
            problems.append(
                Problem("functional_requirements", f'FR-{number} says "{vague.group(0)}" without a measurable number')
            )
        elif strip_fr_prefix(fr.text) != fr.text:
            problems.append(Problem("functional_requirements", f"FR-{number} carries its own FR number"))
    return problems


def _non_functional(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """Each attribute has a number with a unit, or is listed as an open question."""
    questions = " ".join(q.text for q in spec.open_questions).lower()
    problems = []
    for attribute in NFR_ATTRIBUTES:
        text = getattr(spec.non_functional, attribute)
        if not has_measure(text) and attribute not in questions:
            problems.append(
                Problem(
                    "non_functional",
                    f"{attribute} has no measurable criterion (a number with a unit) and is not an open question",
                )
            )
    return problems


def _contract_problems(api: ApiContract) -> Iterator[str]:
    where = f"{api.method or '?'} {api.path or '?'}"
    if api.method.strip().upper() not in HTTP_METHODS:
        yield f"{where}: method must be one of {', '.join(sorted(HTTP_METHODS))}"
    if not api.path.strip().startswith("/"):
        yield f"{where}: path must start with /"
    if not api.request and api.method.strip().upper() not in BODYLESS_METHODS:
        yield f"{where}: no request fields"
    if not api.response:
        yield f"{where}: no response fields"
    for part, fields in (("request", api.request), ("response", api.response)):
        for item in fields:
            if blank(item.name) or blank(item.type):
                yield f"{where}: {part} field {item.name or '?'} has no name or type"
    if not api.errors or any(blank(e.status) for e in api.errors):
        yield f"{where}: error responses (status and meaning) are missing"


def _api_contracts(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """Method, path, typed request and response fields, and error responses."""
    return [Problem("api_contracts", text) for api in spec.api_contracts for text in _contract_problems(api)]


def _entity_problems(entity: DataEntity) -> Iterator[str]:
    if not entity.fields:
        yield f"{entity.name}: no fields"
    for item in entity.fields:
        if blank(item.type):
            yield f"{entity.name}.{item.name}: no type"
    indexed = {name.strip().lower() for index in entity.indexes for name in index.fields}
    relationships = " ".join(entity.relationships).lower()
    for position, item in enumerate(entity.fields):
        name = item.name.strip().lower()
        if name.endswith("_id") and name != "id":
            # A foreign key: the thread implies a relationship, and lookups by it need an index
            # (the first field is taken as the primary key, which is indexed anyway).
            if name[: -len("_id")] not in relationships:
                yield f"{entity.name}.{item.name} references another entity but no relationship says so"
            if name not in indexed and position > 0:
                yield f"{entity.name}.{item.name} is a foreign key with no index on it"


def _data_model(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """Typed fields; relationships and indexes for every foreign key."""
    return [Problem("data_model", text) for entity in spec.data_model for text in _entity_problems(entity)]


def dependency_name(text: str) -> str:
    """The name part of a dependency line: 'Amazon S3 (exports bucket)' -> 'Amazon S3'."""
    return re.split(r"\s+(?:\(|-|–|for|via|to)\s*|[:(,;]", text.strip(), maxsplit=1)[0].strip()


def _error_handling(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """At least one row, every column filled, a row naming each external service."""
    rows = spec.error_handling
    if not rows:
        return [Problem("error_handling", "the error-handling table is empty")]
    problems = []
    for number, row in enumerate(rows, start=1):
        empty = [col for col in ("scenario", "detection", "handling", "recovery") if blank(getattr(row, col))]
        if empty:
            problems.append(Problem("error_handling", f"row {number} leaves {', '.join(empty)} empty"))
    table = " ".join(f"{r.scenario} {r.detection} {r.handling} {r.recovery}" for r in rows).lower()
    for dependency in spec.dependencies.external_services:
        name = dependency_name(dependency)
        words = [w for w in re.findall(r"[\w.+-]+", name.lower()) if len(w) > 1]
        if words and not any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", table) for w in words):
            problems.append(Problem("error_handling", f"no row covers the external dependency {name}"))
    return problems


def _testing(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """Unit, integration and performance tests, with numeric acceptance thresholds."""
    testing, problems = spec.testing, []
    if not testing.unit.key_units or blank(testing.unit.mocking_strategy):
        problems.append(Problem("testing", "unit tests need key units and a mocking strategy"))
    if not testing.integration.integration_points:
        problems.append(Problem("testing", "integration tests name no integration points"))
    if not testing.performance.scenarios:
        problems.append(Problem("testing", "performance tests name no scenarios"))
    thresholds = testing.performance.acceptance_thresholds
    if not thresholds or not all(has_measure(t) for t in thresholds):
        problems.append(Problem("testing", "every performance acceptance threshold needs a number with a unit"))
    return problems


def _risks(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """At least one risk; Impact and Likelihood rated High/Medium/Low; a mitigation each."""
    if not spec.risks:
        return [Problem("risks", "no risks are identified")]
    problems = []
    for number, risk in enumerate(spec.risks, start=1):
        if risk.impact not in RATINGS or risk.likelihood not in RATINGS:
            problems.append(Problem("risks", f"risk {number}: impact and likelihood must be High, Medium or Low"))
        if blank(risk.mitigation):
            problems.append(Problem("risks", f"risk {number} has no mitigation"))
    return problems


def unsourced_items(spec: TechnicalSpecDraft) -> list[tuple[str, str]]:
    """(label, text) of every requirement, decision and risk that cites nothing: the assumptions."""
    items = [(f"FR-{n}", fr.text) for n, fr in enumerate(spec.functional_requirements, 1) if not fr.sources]
    items += [(f"Decision {n}", d.decision) for n, d in enumerate(spec.architecture.decisions, 1) if not d.sources]
    items += [(f"Risk {n}", r.risk) for n, r in enumerate(spec.risks, 1) if not r.sources]
    return items


def _open_questions(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """Every unanswered question and every assumption is listed; contradictions cite both sides."""
    listed = " ".join(q.text for q in spec.open_questions)
    problems = [
        Problem("open_questions", f'the unanswered question "{q[:80]}" is missing')
        for q in ctx.unanswered
        if not mentions(listed, q)
    ]
    problems += [
        Problem("open_questions", f"the assumption {label} is not listed")
        for label, text in unsourced_items(spec)
        if not mentions(listed, text)
    ]
    for question in spec.open_questions:
        if CONTRADICTION.search(question.text) and len(set(question.sources)) < 2:
            problems.append(Problem("open_questions", f'the contradiction "{question.text[:80]}" must cite both sides'))
    return problems


def _cited(spec: TechnicalSpecDraft) -> Iterator[tuple[str, str, list[str]]]:
    for n, fr in enumerate(spec.functional_requirements, 1):
        yield "functional_requirements", f"FR-{n}", fr.sources
    for n, decision in enumerate(spec.architecture.decisions, 1):
        yield "architecture", f"decision {n}", decision.sources
    for n, risk in enumerate(spec.risks, 1):
        yield "risks", f"risk {n}", risk.sources
    for n, question in enumerate(spec.open_questions, 1):
        yield "open_questions", f"open question {n}", question.sources


def _traceability(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """Every citation names a message, answer or question that exists."""
    if ctx.labels is None:
        return []
    problems = []
    for section, where, sources in _cited(spec):
        unknown = [s for s in sources if s.strip().strip("[]").upper() not in ctx.labels]
        if unknown:
            problems.append(Problem(section, f"{where} cites {', '.join(unknown)}, which is not in the thread"))
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


def _ambiguity(spec: TechnicalSpecDraft, ctx: CheckContext) -> list[Problem]:
    """Component changes are spelled out; no placeholder (TBD, etc., as needed) outside Open Questions."""
    problems = []
    if not spec.component_changes or not all(c.changes for c in spec.component_changes):
        problems.append(Problem("component_changes", "every affected component needs its key changes listed"))
    data = spec.model_dump(exclude={"open_questions", "references", "title"})
    for section, value in data.items():
        for path, text in _strings(value, section):
            found = PLACEHOLDER.search(text)
            if found:
                problems.append(Problem(section, f'{path} says "{found.group(0)}"'))
    return problems


def _check(item: str, title: str, fields: tuple[str, ...], rule: Callable[..., list[Problem]]) -> Check:
    return Check(item, title, fields, rule)


# The seed template's checklist, in its order, with the two additions (requirements, open
# questions) and traceability. `fields`: the check applies when the template renders any of them.
CHECKS: tuple[Check, ...] = (
    _check("overview", "Overview clearly states the technical objective", ("overview",), _overview),
    _check(
        "system_context",
        "System context accurately describes affected components",
        ("system_context",),
        _system_context,
    ),
    _check(
        "functional_requirements",
        "Functional requirements are numbered and testable",
        ("functional_requirements",),
        _functional,
    ),
    _check(
        "api_contracts",
        "All API contracts are complete with request/response schemas",
        ("api_contracts",),
        _api_contracts,
    ),
    _check("data_model", "Data model changes are fully specified", ("data_model",), _data_model),
    _check(
        "non_functional", "Non-functional requirements have measurable criteria", ("non_functional",), _non_functional
    ),
    _check("error_handling", "Error handling covers failure scenarios", ("error_handling",), _error_handling),
    _check("testing", "Testing strategy covers unit, integration, and performance", ("testing",), _testing),
    _check("risks", "Risks are identified with mitigation plans", ("risks",), _risks),
    _check(
        "open_questions",
        "Open questions list every unanswered question and assumption",
        ("open_questions",),
        _open_questions,
    ),
    _check(
        "traceability",
        "Every requirement, decision, risk and question cites the thread",
        ("functional_requirements", "architecture", "risks", "open_questions"),
        _traceability,
    ),
    _check("no_ambiguity", "No implementation details are left ambiguous", ("component_changes",), _ambiguity),
)
