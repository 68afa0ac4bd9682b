"""The checklist's checks, table-driven: for every item, specs that pass and specs that fail, and why."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.config import DEFAULT_PROMPTS_DIR
from bot.llm.prompts import PromptLibrary
from bot.spec.checklist import CheckContext, run_checklist, template_sections
from bot.spec.checklist.base import has_measure, sentence_count, strip_fr_prefix
from bot.spec.checklist.rules import CHECKS
from bot.spec.checklist.sections import dependency_name
from bot.spec.checklist.wording import ChecklistWording
from bot.spec.document import TechnicalSpecDraft
from bot.spec.render import make_document_environment

FIXTURES = Path(__file__).parents[1] / "fixtures"
PROMPTS = PromptLibrary(DEFAULT_PROMPTS_DIR)
WORDING = ChecklistWording(PROMPTS)
LABELS = frozenset({"M1", "M2", "M3", "M4", "M5", "M6", "M7", "M8", "M9", "M10", "M11", "M12", "A1", "A2", "Q3"})
Mutation = Callable[[dict[str, Any]], None]


def passing_spec() -> dict[str, Any]:
    """The full example spec, completed so that every check passes."""
    data = json.loads((FIXTURES / "spec_full.json").read_text())
    data["non_functional"]["scalability"] = "Up to 500 exports per hour at peak, 2 to 8 worker replicas."
    data["non_functional"]["security"] = "Presigned URLs expire after 15 minutes; files are deleted after 7 days."
    export_jobs, export_files = data["data_model"]
    export_jobs["relationships"] += ["export_jobs.dashboard_id references dashboards.id", "widget_id -> widgets.id"]
    export_jobs["indexes"].append({"name": "by_widget", "fields": ["dashboard_id", "widget_id"], "purpose": "lookups"})
    for item in data["functional_requirements"] + data["architecture"]["decisions"] + data["risks"]:
        item["sources"] = item["sources"] or ["M2"]
    return data


def spec(data: dict[str, Any]) -> TechnicalSpecDraft:
    return TechnicalSpecDraft.model_validate(data)


def check(item: str, data: dict[str, Any], unanswered: tuple[str, ...] = ()) -> list[str]:
    """The problems one check finds in data, as the prompts word them."""
    report = run_checklist(spec(data), CheckContext(labels=LABELS, unanswered=unanswered))
    return [WORDING.problem(p) for r in report.results if r.item == item for p in r.problems]


def test_the_completed_example_passes_every_check() -> None:
    report = run_checklist(spec(passing_spec()), CheckContext(labels=LABELS))
    assert [WORDING.worded(r).summary for r in report.failing] == []
    assert report.total == len(CHECKS) == 12


def _set(path: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        *parents, last = path.split(".")
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return mutate


# (item, mutation, problem expected: a substring, or None for "still passes")
CASES: list[tuple[str, Mutation, str | None]] = [
    ("overview", _set("overview", "Add CSV exports."), "fewer than 8 words"),
    ("overview", _set("overview", "Add exports for widgets. Users get a link. Files expire. Done."), "(it has 4)"),
    ("overview", _set("overview", "Add CSV exports of dashboard widgets, built by a background worker"), None),
    ("system_context", _set("system_context.affected_components", []), "no affected components"),
    ("system_context", _set("system_context.diagram", None), "5 components interact but there is no diagram"),
    ("system_context", _set("system_context.current_architecture", "TBD"), "not described"),
    ("functional_requirements", _set("functional_requirements.0.text", "Exports must be fast."), '"fast" without'),
    ("functional_requirements", _set("functional_requirements.0.text", "The UI is user-friendly"), "user-friendly"),
    ("functional_requirements", _set("functional_requirements.0.text", "Exports are fast: 1M rows in 2 min"), None),
    ("functional_requirements", _set("functional_requirements.0.text", "FR-1: Users export CSV"), "own FR number"),
    ("functional_requirements", _set("functional_requirements", []), "no functional requirements"),
    ("non_functional", _set("non_functional.security", "Secure by design."), "security has no measurable"),
    ("non_functional", _set("non_functional.reliability", "Jobs retry."), "reliability has no measurable"),
    ("non_functional", _set("non_functional.performance", "p95 under 200 ms"), None),
    (
        "non_functional",
        lambda d: (
            _set("non_functional.security", "Not decided.")(d),
            d["open_questions"].append({"text": "Security: who may download finance exports?", "sources": ["M1"]}),
        ),
        None,
    ),
    ("api_contracts", _set("api_contracts.0.errors", []), "error responses"),
    ("api_contracts", _set("api_contracts.0.method", "FETCH"), "method must be one of"),
    ("api_contracts", _set("api_contracts.0.path", "exports"), "path must start with /"),
    ("api_contracts", _set("api_contracts.0.response", []), "no response fields"),
    ("api_contracts", _set("api_contracts.0.request.0.type", ""), "has no name or type"),
    ("api_contracts", _set("api_contracts", []), None),
    ("data_model", _set("data_model.0.fields.0.type", ""), "export_jobs.id: no type"),
    ("data_model", _set("data_model.0.relationships", []), "user_id references another entity"),
    ("data_model", _set("data_model.0.indexes", []), "user_id is a foreign key with no index"),
    ("data_model", _set("data_model.1.fields", []), "export_files: no fields"),
    ("data_model", _set("data_model", []), None),
    ("error_handling", _set("error_handling", []), "table is empty"),
    ("error_handling", _set("error_handling.0.recovery", ""), "row 1 leaves recovery empty"),
    ("error_handling", _set("dependencies.external_services", ["Stripe (billing)", "AWS S3"]), "dependency Stripe"),
    ("error_handling", _set("dependencies.external_services", ["AWS S3 (uploads)"]), None),
    ("testing", _set("testing.performance.acceptance_thresholds", ["fast enough"]), "number with a unit"),
    ("testing", _set("testing.unit.key_units", []), "key units"),
    ("testing", _set("testing.integration.integration_points", []), "integration points"),
    ("testing", _set("testing.performance.scenarios", []), "no scenarios"),
    ("risks", _set("risks", []), "no risks"),
    ("risks", _set("risks.0.mitigation", " "), "risk 1 has no mitigation"),
    ("open_questions", _set("functional_requirements.0.sources", []), "assumption FR-1 is not listed"),
    ("open_questions", _set("risks.1.sources", []), "assumption Risk 2 is not listed"),
    (
        "open_questions",
        lambda d: d["open_questions"].append({"text": "M3 and A1 contradict on retention", "sources": ["M3"]}),
        "must cite both sides",
    ),
    (
        "open_questions",
        lambda d: d["open_questions"].append({"text": "M3 and A1 conflict on retention", "sources": ["M3", "A1"]}),
        None,
    ),
    ("traceability", _set("functional_requirements.1.sources", ["M99"]), "FR-2 cites M99"),
    ("traceability", _set("risks.0.sources", ["A7"]), "risk 1 cites A7"),
    ("traceability", _set("open_questions.0.sources", ["Q3"]), None),
    ("no_ambiguity", _set("architecture.data_flow", "The worker uploads etc."), 'architecture.data_flow says "etc."'),
    ("no_ambiguity", _set("migration.rollback_plan", "TBD"), 'says "TBD"'),
    ("no_ambiguity", _set("component_changes", []), "key changes"),
    ("no_ambiguity", _set("open_questions.0.text", "Row limit TBD?"), None),
]


@pytest.mark.parametrize(("item", "mutate", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_check(item: str, mutate: Mutation, expected: str | None) -> None:
    data = passing_spec()
    mutate(data)
    problems = check(item, data)
    if expected is None:
        assert problems == []
    else:
        assert any(expected in p for p in problems), problems


def test_unanswered_questions_must_be_in_open_questions() -> None:
    data = passing_spec()
    question = "Which retention period applies to exported files?"
    assert any("is missing" in p for p in check("open_questions", data, unanswered=(question,)))
    data["open_questions"].append({"text": f"{question} (clarifying question 3; unanswered)", "sources": ["Q3"]})
    assert check("open_questions", data, unanswered=(question,)) == []


def test_every_problem_names_a_spec_section_to_repair() -> None:
    data = passing_spec()
    _set("functional_requirements.0.text", "Exports must be fast.")(data)
    _set("error_handling", [])(data)
    report = run_checklist(spec(data), CheckContext(labels=LABELS))
    assert report.sections_to_repair() == ["functional_requirements", "error_handling"]
    assert {r.item for r in report.failing} == {"functional_requirements", "error_handling"}


@pytest.mark.parametrize(
    ("text", "measurable"),
    [
        ("p99 < 200 ms", True),
        ("99.9% monthly availability", True),
        ("500 exports per hour", True),
        ("5,000 requests/s", True),
        ("tokens expire after 15 minutes", True),
        ("TLS 1.2 everywhere", False),
        ("OAuth2 bearer tokens", False),
        ("version 2 of the API", False),
    ],
)
def test_a_measure_is_a_number_with_a_unit(text: str, measurable: bool) -> None:
    assert has_measure(text) is measurable


def test_text_helpers() -> None:
    assert sentence_count("One. Two? Three") == 3 and sentence_count("Version 1.2 ships.") == 1
    assert strip_fr_prefix("**FR-3**: Users export") == "Users export" and strip_fr_prefix("Users") == "Users"
    assert (
        dependency_name("Amazon S3 (exports bucket)") == "Amazon S3" and dependency_name("Auth0 for tokens") == "Auth0"
    )


def test_checks_follow_the_sections_the_template_renders(tmp_path: Path) -> None:
    assert "api_contracts" in template_sections(make_document_environment(None))
    default = (Path(__file__).parents[2] / "bot" / "spec" / "templates" / "TECHNICAL_SPEC.md.j2").read_text()
    start, end = default.index("#### 4.2 API Contracts"), default.index("#### 4.3 Data Model")
    (tmp_path / "TECHNICAL_SPEC.md.j2").write_text(default[:start] + default[end:])
    sections = template_sections(make_document_environment(tmp_path))
    assert "api_contracts" not in sections and "data_model" in sections
    data = passing_spec()
    _set("api_contracts.0.errors", [])(data)
    report = run_checklist(spec(data), CheckContext(labels=LABELS), sections)
    assert "api_contracts" in report.skipped and report.failing == []
