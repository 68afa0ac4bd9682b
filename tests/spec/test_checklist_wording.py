"""The checklist's words, all in prompts/: every problem's sentence, the titles, the repair prompt and the
writer's Open Questions items render from the same files, so people and the model read the same words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import DEFAULT_PROMPTS_DIR
from bot.llm.prompts import PromptLibrary
from bot.spec.checklist import CheckContext, ChecklistReport, run_checklist
from bot.spec.checklist.base import Problem, problem
from bot.spec.checklist.rules import CHECKS
from bot.spec.discussion import Clarification, Discussion
from bot.spec.writer import OpenQuestionWords, failing_items, with_assumptions, with_unanswered_questions
from tests.spec.test_checklist import FIXTURES, LABELS, PROMPTS, WORDING, _set, passing_spec, spec

# Every problem a check can report, and its sentence: the words people and the model read.
SENTENCES: list[tuple[Problem, str]] = [
    (
        problem("overview", "overview_too_short"),
        "the overview must state the objective and scope (it has fewer than 8 words)",
    ),
    (problem("overview", "overview_too_long", sentences=4), "the overview must be one or two sentences (it has 4)"),
    (problem("system_context", "no_affected_components"), "no affected components are named"),
    (problem("system_context", "no_current_architecture"), "the current architecture is not described"),
    (
        problem("system_context", "no_diagram", components=5),
        "5 components interact but there is no diagram (Mermaid or ASCII)",
    ),
    (problem("functional_requirements", "no_requirements"), "there are no functional requirements"),
    (problem("functional_requirements", "requirement_empty", number=2), "FR-2 is empty"),
    (
        problem("functional_requirements", "requirement_vague", number=1, word="fast"),
        'FR-1 says "fast" without a measurable number',
    ),
    (problem("functional_requirements", "requirement_self_numbered", number=3), "FR-3 carries its own FR number"),
    (
        problem("non_functional", "unmeasured_attribute", attribute="security"),
        "security has no measurable criterion (a number with a unit) and is not an open question",
    ),
    (
        problem("api_contracts", "api_bad_method", method="FETCH", path="/x", allowed=("GET", "POST")),
        "FETCH /x: method must be one of GET, POST",
    ),
    (problem("api_contracts", "api_bad_path", method="GET", path="x"), "GET x: path must start with /"),
    (problem("api_contracts", "api_no_request", method="", path=""), "? ?: no request fields"),
    (problem("api_contracts", "api_no_response", method="GET", path="/x"), "GET /x: no response fields"),
    (
        problem("api_contracts", "api_untyped_field", method="POST", path="/x", part="request", field=""),
        "POST /x: request field ? has no name or type",
    ),
    (
        problem("api_contracts", "api_no_errors", method="GET", path="/x"),
        "GET /x: error responses (status and meaning) are missing",
    ),
    (problem("data_model", "entity_no_fields", entity="jobs"), "jobs: no fields"),
    (problem("data_model", "field_untyped", entity="jobs", field="id"), "jobs.id: no type"),
    (
        problem("data_model", "foreign_key_unrelated", entity="jobs", field="user_id"),
        "jobs.user_id references another entity but no relationship says so",
    ),
    (
        problem("data_model", "foreign_key_unindexed", entity="jobs", field="user_id"),
        "jobs.user_id is a foreign key with no index on it",
    ),
    (problem("error_handling", "error_table_empty"), "the error-handling table is empty"),
    (
        problem("error_handling", "error_row_incomplete", row=2, columns=("detection", "recovery")),
        "row 2 leaves detection, recovery empty",
    ),
    (
        problem("error_handling", "dependency_uncovered", dependency="Stripe"),
        "no row covers the external dependency Stripe",
    ),
    (problem("testing", "unit_tests_incomplete"), "unit tests need key units and a mocking strategy"),
    (problem("testing", "no_integration_points"), "integration tests name no integration points"),
    (problem("testing", "no_performance_scenarios"), "performance tests name no scenarios"),
    (problem("testing", "unmeasured_thresholds"), "every performance acceptance threshold needs a number with a unit"),
    (problem("risks", "no_risks"), "no risks are identified"),
    (problem("risks", "risk_unrated", number=2), "risk 2: impact and likelihood must be High, Medium or Low"),
    (problem("risks", "risk_unmitigated", number=1), "risk 1 has no mitigation"),
    (
        problem("open_questions", "unanswered_missing", question="Which DB?"),
        'the unanswered question "Which DB?" is missing',
    ),
    (
        problem("open_questions", "assumption_missing", kind="decision", number=2),
        "the assumption Decision 2 is not listed",
    ),
    (
        problem("open_questions", "contradiction_one_sided", question="M3 and A1 conflict"),
        'the contradiction "M3 and A1 conflict" must cite both sides',
    ),
    (
        problem("architecture", "unknown_citation", kind="decision", number=1, sources=("M9", "A4")),
        "decision 1 cites M9, A4, which is not in the thread",
    ),
    (
        problem("open_questions", "unknown_citation", kind="open_question", number=3, sources=("Q8",)),
        "open question 3 cites Q8, which is not in the thread",
    ),
    (problem("component_changes", "changes_unlisted"), "every affected component needs its key changes listed"),
    (
        problem("migration", "placeholder", path="migration.rollback_plan", found="TBD"),
        'migration.rollback_plan says "TBD"',
    ),
]


@pytest.mark.parametrize(("found", "sentence"), SENTENCES, ids=[f"{p.code}-{i}" for i, (p, _) in enumerate(SENTENCES)])
def test_every_problem_has_its_sentence(found: Problem, sentence: str) -> None:
    assert WORDING.problem(found) == sentence


def test_every_code_the_checks_use_is_worded() -> None:
    """A code without a macro would fail only when that problem first occurs: find them all now."""
    checks = Path(__file__).parents[2] / "bot" / "spec" / "checklist"
    source = "\n".join(path.read_text() for path in checks.glob("*.py"))
    used = set(re.findall(r'(?:problem\([^,()]+, |found\()"(\w+)"', source))
    assert used == {p.code for p, _ in SENTENCES}


def test_every_item_has_a_title_and_the_seed_template_s_are_its_words() -> None:
    titles = [WORDING.title(check.item) for check in CHECKS]
    seed = (FIXTURES / "seed_template.md").read_text()
    from_seed = [title for title in titles if f"- [ ] {title}\n" in seed]
    assert len(from_seed) == 9 and all(titles)


def repair_prompt(prompts: PromptLibrary, report: ChecklistReport) -> str:
    """The checklist repair prompt for report, rendered with the variables the writer passes."""
    return prompts.render(
        "checklist_repair",
        failing=failing_items(report, WORDING),
        sections=report.sections_to_repair(),
        spec_json="{}",
        schema_json=None,
        transcript="[M1] Ana (just now): hi",
        message_count=1,
        condensed=False,
        clarifications=[],
        general_replies=[],
        language="English",
    )


def test_the_repair_prompt_words_problems_as_people_read_them() -> None:
    data = passing_spec()
    _set("functional_requirements.0.text", "Exports must be fast.")(data)
    _set("api_contracts.0.method", "")(data)
    _set("risks.0.sources", ["A7"])(data)
    report = run_checklist(spec(data), CheckContext(labels=LABELS))
    prompt = repair_prompt(PROMPTS, report)
    listed = prompt.split("<failing_checklist_items>", 1)[1].split("</failing_checklist_items>", 1)[0]
    expected = [
        line
        for result in report.failing
        for line in [f"- {WORDING.title(result.item)} [{result.item}]"]
        + [f"  - {WORDING.problem(p)}" for p in result.problems]
    ]
    assert listed.strip("\n").splitlines() == expected
    assert '  - FR-1 says "fast" without a measurable number' in expected
    assert "  - risk 1 cites A7, which is not in the thread" in expected
    assert "  - ? /api/v1/exports: method must be one of DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT" in expected
    summaries = [WORDING.worded(result).summary for result in report.failing]
    assert (
        'Functional requirements are numbered and testable: FR-1 says "fast" without a measurable number' in summaries
    )


def test_the_writer_words_its_open_questions_from_the_prompts() -> None:
    words = OpenQuestionWords(PROMPTS)
    data = passing_spec()
    data["functional_requirements"][1]["sources"] = []
    listed = with_assumptions(spec(data), words)
    requirement = data["functional_requirements"][1]["text"]
    assert listed.open_questions[-1].text == (
        f'Assumption to confirm: FR-2, "{requirement}", rests on no message or answer in the thread.'
    )
    assert with_assumptions(listed, words) == listed  # listed afresh, not twice
    question = Clarification(
        number=3,
        area="Data Requirements",
        question="How long are files kept?",
        recommended=None,
        answer=None,
        answered_by=None,
        label=None,
        reply_ts=None,
    )
    discussion = Discussion(
        transcript="",
        message_count=0,
        condensed=False,
        redacted_count=0,
        message_labels={},
        clarifications=[question],
        general_replies=[],
    )
    asked = with_unanswered_questions(spec(data), discussion, words)
    assert (
        asked.open_questions[-1].text
        == "How long are files kept? (clarifying question 3, Data Requirements; unanswered)"
    )
    assert asked.open_questions[-1].sources == ["Q3"]


def test_an_operators_own_repair_template_still_renders(tmp_path: Path) -> None:
    """TECHSPEC_TEMPLATES_DIR may hold a checklist_repair.md.j2 written for the variables the writer passed
    before the layout change (titles and sentences, not problem codes): it must keep working."""
    override = FIXTURES / "checklist_repair_override.md.j2"
    (tmp_path / "checklist_repair.md.j2").write_text(override.read_text())
    data = passing_spec()
    _set("functional_requirements.0.text", "Exports must be fast.")(data)
    report = run_checklist(spec(data), CheckContext(labels=LABELS))
    prompt = repair_prompt(PromptLibrary(DEFAULT_PROMPTS_DIR, tmp_path), report)
    assert f"- {WORDING.title('functional_requirements')} [functional_requirements]" in prompt
    assert 'FR-1 says "fast" without a measurable number' in prompt
