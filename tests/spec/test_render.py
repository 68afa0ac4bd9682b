"""Tests for bot.spec.render: the document must follow the seed template's output format exactly."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from itertools import takewhile
from pathlib import Path
from typing import Any

import pytest
from jinja2 import UndefinedError

from bot.spec.document import TechnicalSpecDraft
from bot.spec.render import TEMPLATE_NAME, Clarification, RenderContext, make_document_environment, render_spec

FIXTURES = Path(__file__).parents[1] / "fixtures"
REPO = Path(__file__).parents[2]
SEED_START = "## Technical Spec: [Short Descriptive Title]"
SEED_END = "## Quality Checklist"
# A verbatim copy of the product's seed template (shared/seed/000_b61b9d243f69bb08.txt), kept in the repo
# so a fresh clone can check the renderer against it.
SEED_COPY = REPO / "tests" / "fixtures" / "seed_template.md"
CLARIFICATIONS_HEADING = "#### 9.1 Clarifications"
FENCE = re.compile(r"^\s*(?:(?:[-*+]|\d+[.)])\s+)*(`{3,}|~{3,})")  # may open a list item
CODE = "\x00code"
HEADING = r"#{1,6} "  # column-0 ATX headings: the document outline (the seed uses ## to ####)


def _seed_text() -> str:
    """The seed template: $TECHSPEC_SEED when set, else the copy under tests/fixtures/."""
    path = Path(os.environ.get("TECHSPEC_SEED") or SEED_COPY)
    text = path.read_text(encoding="utf-8")
    assert SEED_START in text, f"{path} is not the spec template"
    return text


def seed_output() -> str:
    """The seed's output format: from the spec title heading up to the quality checklist."""
    text = _seed_text()
    return text[text.index(SEED_START) : text.index(SEED_END)]


def outside_fences(markdown: str) -> list[str]:
    """The document's lines with fenced code (fences included) replaced by a CODE placeholder."""
    lines: list[str] = []
    fence: str | None = None
    for line in markdown.split("\n"):
        stripped = line.strip()
        if fence is not None:
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = None
            lines.append(CODE)
            continue
        match = FENCE.match(line)
        if match and not (match.group(1)[0] == "`" and "`" in line[match.end() :]):
            fence = match.group(1)
        lines.append(CODE if match and fence else line)
    assert fence is None, "document ends inside a fenced block"
    return lines


def headings(markdown: str) -> list[str]:
    """Column-0 ATX headings outside fenced blocks, in order."""
    return [line for line in outside_fences(markdown) if re.match(HEADING, line)]


def seed_tables() -> list[tuple[str, str]]:
    """(header row, delimiter row) of each table in the seed, in order."""
    lines = seed_output().split("\n")
    return [
        (lines[i], lines[i + 1])
        for i in range(len(lines) - 1)
        if lines[i].startswith("| ") and lines[i + 1].startswith("|-")
    ]


def split_row(row: str) -> list[str]:
    """Cells of a GFM table row; a backslash escapes the next character, so \\| is not a divider."""
    masked = re.sub(r"\\.", "__", row)  # same length, escaped characters can no longer divide
    bounds = [i for i, char in enumerate(masked) if char == "|"]
    return [row[start + 1 : end].strip() for start, end in zip(bounds, bounds[1:], strict=False)]


def table_rows(markdown: str, header: str) -> list[str]:
    """Body rows of the table whose header row is header."""
    lines = markdown.split("\n")
    return list(takewhile(lambda line: line.startswith("|"), lines[lines.index(header) + 2 :]))


def load(name: str) -> dict[str, Any]:
    """A fixture as plain JSON data, so tests can modify it before validation."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def sparse() -> TechnicalSpecDraft:
    """The sparse fixture as a validated spec."""
    return TechnicalSpecDraft.model_validate(load("spec_sparse"))


LINKS = {f"M{i}": f"https://acme.slack.com/archives/C07EXPORT/p17100000{i:02d}" for i in range(1, 12)}
LINKS |= {f"A{i}": f"https://acme.slack.com/archives/C07EXPORT/p17100001{i:02d}" for i in (1, 2)}


# fmt: off
CLARIFICATIONS = [
    Clarification(number=1, area="Data Requirements", question="Should archived rows be exported?",
                  answer="No, only rows visible with the widget's current filters.", answered_by="Priya"),
    Clarification(number=2, area="Security Requirements",
                  question="Should exports include data from widgets the user can see only through a shared link?"),
]
# fmt: on


def context(**overrides: Any) -> RenderContext:
    """The context the golden file was rendered with; M12 deliberately has no link."""
    values: dict[str, Any] = {
        "version": 2,
        "generated_at": datetime(2025, 3, 4, 10, 15, tzinfo=UTC),
        "channel_name": "data-platform",
        "thread_url": "https://acme.slack.com/archives/C07EXPORT/p1710000001",
        "source_links": LINKS,
        "clarifications": CLARIFICATIONS,
        "condensed_history": False,
        "redacted_count": 1,
    }
    return RenderContext(**(values | overrides))


def render(data: dict[str, Any], **overrides: Any) -> str:
    """Render fixture data with the golden context, adjusted by overrides."""
    return render_spec(TechnicalSpecDraft.model_validate(data), context(**overrides))


@pytest.mark.parametrize("name", ["spec_full", "spec_sparse"])
@pytest.mark.parametrize("clarified", [True, False])
def test_every_seed_heading_present_in_order(name: str, clarified: bool) -> None:
    data = load(name)
    extra = {} if clarified else {"clarifications": []}
    found = headings(render(data, **extra))
    expected = [f"## Technical Spec: {data['title']}" if h == SEED_START else h for h in headings(seed_output())]
    assert len(expected) == 22  # sanity: the seed parser still sees every section and subsection
    assert [h for h in found if h != CLARIFICATIONS_HEADING] == expected
    if clarified:
        assert found.index(CLARIFICATIONS_HEADING) == found.index("### 10. References") - 1
    else:
        assert CLARIFICATIONS_HEADING not in found


@pytest.mark.parametrize("name", ["spec_full", "spec_sparse"])
def test_no_heading_is_left_empty_and_no_seed_instructions(name: str) -> None:
    document = render(load(name))
    lines = outside_fences(document)
    marks = [i for i, line in enumerate(lines) if re.match(HEADING, line)] + [len(lines)]
    for here, nxt in zip(marks, marks[1:], strict=False):
        deeper = nxt < len(lines) and len(lines[nxt].split()[0]) > len(lines[here].split()[0])
        assert deeper or any(line.strip() for line in lines[here + 1 : nxt]), lines[here]
    prose = [line for line in outside_fences(seed_output()) if re.match(r"[A-Z>]", line)]
    assert len(prose) >= 14  # the seed's instruction lines under each heading
    for line in prose + ["Quality Checklist", "[Short Descriptive Title]", "[Requirement description]"]:
        assert line not in document
    assert "\n\n\n" not in document and document.endswith("\n") and not document.endswith("\n\n")


def test_functional_requirements_numbered_in_order() -> None:
    data = load("spec_full")
    found = re.findall(r"^- FR-(\d+): (.*)$", render(data), re.MULTILINE)
    assert [int(n) for n, _ in found] == list(range(1, len(data["functional_requirements"]) + 1))
    pairs = zip(found, data["functional_requirements"], strict=True)
    assert all(text.startswith(fr["text"]) for (_, text), fr in pairs)


@pytest.mark.parametrize(("table", "key"), [(0, "error_handling"), (1, "risks")])
def test_tables_have_seed_headers_and_one_row_per_item(table: int, key: str) -> None:
    header, delimiter = seed_tables()[table]
    data = load("spec_full")
    document = render(data)
    lines = document.split("\n")
    assert lines[lines.index(header) + 1] == delimiter
    rows = table_rows(document, header)
    assert len(rows) == len(data[key]) >= 3
    assert all(len(split_row(row)) == 4 for row in rows)
    assert header not in render(load("spec_sparse"))


# fmt: off
CELL_VALUES = ["a | b", "first line\nsecond line", "pipe\r\nand | CRLF", "already \\| escaped",
               "ends in backslash \\", "\\\\| two backslashes", "|", "code `x | y` span"]
# fmt: on


@pytest.mark.parametrize("value", CELL_VALUES)
def test_table_cells_keep_column_count(value: str) -> None:
    data = load("spec_full")
    data["error_handling"][0]["scenario"] = value
    data["risks"][1]["mitigation"] = value
    document = render(data)
    for (header, _), key in zip(seed_tables(), ["error_handling", "risks"], strict=True):
        rows = table_rows(document, header)
        assert len(rows) == len(data[key])
        assert all(len(split_row(row)) == 4 for row in rows)
    first = split_row(table_rows(document, seed_tables()[0][0])[0])[0]
    shown = re.sub(r"\\(.)", r"\1", first.replace("\\|", "|"))  # GFM: pipe unescape, then escapes
    assert shown.split("<br>") == [part.strip() for part in value.replace("\r\n", "\n").strip().split("\n")]


def set_path(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Set a dotted path such as "api_contracts.0.summary" in fixture data; returns data."""
    keys: list[Any] = [int(k) if k.isdigit() else k for k in path.split(".")]
    target: Any = data
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return data


def outline(document: str) -> tuple[list[str], list[list[int]]]:
    """Headings and, per seed table, the cell count of every body row: the document's skeleton."""
    rows = [table_rows(document, header) if header in document else [] for header, _ in seed_tables()]
    return headings(document), [[len(split_row(row)) for row in table] for table in rows]


# Values the model could plausibly write that would break a naive template: stray or unclosed
# fences, a fence inside a table cell, and lines that Markdown reads as headings or HTML blocks.
STRUCTURE_CASES: list[tuple[str, str]] = [
    ("api_contracts.0.request.0.description", "quote with ``` fences"),
    ("api_contracts.0.summary", "```\nunclosed summary fence"),
    ("data_model.0.relationships.0", "````"),
    ("data_model.1.name", "```json"),
    ("system_context.diagram", "graph TD\n  A --> B\n```\n### 3. Injected"),
    ("overview", "Intro\n```python\nprint('never closed')"),
    ("functional_requirements.0.text", "```python\nprint(1)"),
    ("architecture.decisions.0.rationale", "see below\n~~~\nunclosed tilde"),
    ("open_questions.0.text", "ends in a fence\n```\ncode\n```"),
    ("references.0", "```"),
    ("risks.0.mitigation", "```\nnot a fence in a table"),
    ("overview", "Heading\n# injected"),
    ("functional_requirements.1.text", "Title\n---"),
    ("system_context.affected_components.0", "## 5. Fake section"),
    ("non_functional.security", "x\n<!-- hides the rest"),
    ("references.1", "<script>\nnever closed"),
    ("testing.unit.mocking_strategy", "Para\n==="),
]


@pytest.mark.parametrize(("path", "value"), STRUCTURE_CASES)
def test_values_never_break_the_structure(path: str, value: str) -> None:
    # headings() also asserts that the document does not end inside a fenced block.
    assert outline(render(set_path(load("spec_full"), path, value))) == outline(render(load("spec_full")))


# fmt: off
RENDER_CASES: list[tuple[str, str, str]] = [
    ("api_contracts.0.request.0.description", "wrap in ``` or ````", "`````\nPOST /api/v1/exports\n"),
    ("system_context.diagram", "graph TD\n```", "````mermaid\ngraph TD\n```\n````\n"),
    ("overview", "Intro\n```python\nprint(1)", "Intro\n```python\nprint(1)\n```\n"),
    ("functional_requirements.0.text", "```sh\nmake", "- FR-1: \n  ```sh\n  make\n  ```\n  ([M1]"),
    ("overview", "Heading\n# injected", "Heading\n\\# injected"),
    ("overview", "Title\n---", "Title\n\\---"),
    ("overview", "x\n<!-- hides the rest", "x\n&lt;!-- hides"),
    ("system_context.diagram", "graph TD\nA-->B", "\n```mermaid\ngraph TD\nA-->B\n```\n"),
    ("system_context.diagram", "flowchart LR\nA-->B", "\n```mermaid\nflowchart LR\n"),
    ("system_context.diagram", "sequenceDiagram\nA->>B: hi", "\n```mermaid\nsequenceDiagram\n"),
    ("system_context.diagram", "+---+\n| A |\n+---+", "\n```\n+---+\n| A |\n+---+\n```\n"),
    ("system_context.diagram", "graphql schema sketch", "\n```\ngraphql schema sketch\n```\n"),
]
# fmt: on


@pytest.mark.parametrize(("path", "value", "expected"), RENDER_CASES)
def test_value_renders_as_expected(path: str, value: str, expected: str) -> None:
    assert expected in render(set_path(load("spec_full"), path, value))


def test_citations_are_links_and_unsourced_items_are_assumptions() -> None:
    document = render(load("spec_full"))
    assert f"applied. ([M1]({LINKS['M1']}), [M3]({LINKS['M3']}))" in document
    assert f"deleted after 7 days. ([A2]({LINKS['A2']}), M12)" in document  # M12 has no link
    assert "ISO 8601 timestamps in UTC. _(assumption)_" in document
    assert "serves writes. _(assumption)_" in document
    assert f"for everyone ([M8]({LINKS['M8']}), [M9]({LINKS['M9']})) |" in document
    assert "delays billing jobs _(assumption)_ |" in document
    question = "- [ ] Do finance dashboards need an audit trail beyond the download log?"
    assert f"{question} ([M11]({LINKS['M11']}))" in document
    assert "narrow their filters? _(assumption)_" in render(load("spec_full"), source_links={})


ANSWER = "  - **Answer** (Priya): No, only rows visible with the widget's current filters."
# fmt: off
META_CASES: list[tuple[dict[str, Any], list[str], list[str]]] = [
    ({"version": 1}, ["**Generated:** 2025-03-04 10:15 UTC · **Channel:** #data-platform · **Thread:**"],
     ["**Version:**"]),
    ({"version": 2}, ["\n**Version:** v2 · **Generated:**"], []),
    ({"version": 7, "thread_url": None}, ["**Version:** v7"], ["Slack thread"]),
    ({"condensed_history": False, "redacted_count": 0}, [], ["> **Note:**", "condensed", "redacted"]),
    ({"condensed_history": True, "redacted_count": 0}, ["> **Note:** This spec was written from a condensed"],
     ["redacted"]),
    ({"redacted_count": 1}, ["> **Note:** 1 secret was redacted"], ["condensed"]),
    ({"condensed_history": True, "redacted_count": 3}, ["condensed history", "3 secrets were redacted"], []),
    ({}, ["#### 9.1 Clarifications\n\n- **Q1 · Data Requirements**: Should archived", ANSWER, "  - _Unanswered_"],
     []),
    ({"clarifications": []}, [], ["Clarifications", "_Unanswered_"]),
]
# fmt: on


@pytest.mark.parametrize(("overrides", "present", "absent"), META_CASES)
def test_metadata_notes_and_clarifications(overrides: dict[str, Any], present: list[str], absent: list[str]) -> None:
    document = render(load("spec_sparse"), **overrides)
    assert all(text in document for text in present)
    assert not any(text in document for text in absent)
    assert document.rfind("> **Note:**") < document.index("### 1. Overview")  # notes sit under the title


def test_migration_not_applicable_keeps_compatibility_note() -> None:
    data = load("spec_sparse")
    assert "#### 5.2 Migration Strategy\n\nNot applicable.\n\n### 6." in render(data)
    data["migration"]["backward_compatibility"] = "Old clients keep the v1 payload."
    assert "Not applicable.\n\n- **Backward compatibility approach**: Old clients keep" in render(data)


def test_override_directory_wins_and_falls_back(tmp_path: Path) -> None:
    (tmp_path / TEMPLATE_NAME).write_text("ORG {{ spec.title | inline }} v{{ ctx.version }}\n")
    env = make_document_environment(tmp_path)
    assert render_spec(sparse(), context(), env) == "ORG Webhook retry tweak v2\n"
    empty = tmp_path / "empty"
    empty.mkdir()
    fallback = render_spec(sparse(), context(), make_document_environment(empty))
    assert fallback.startswith("## Technical Spec: Webhook retry tweak\n")
    with pytest.raises(ValueError, match="does not exist"):
        make_document_environment(tmp_path / "missing")


@pytest.mark.parametrize("body", ["{{ spec.titel }}", "{{ contxt.version }}", "{% for x in spec.risk %}{% endfor %}"])
def test_strict_undefined_raises_on_template_typo(tmp_path: Path, body: str) -> None:
    (tmp_path / TEMPLATE_NAME).write_text(body)
    with pytest.raises(UndefinedError):
        render_spec(sparse(), context(), make_document_environment(tmp_path))


def test_full_fixture_matches_golden() -> None:
    golden = FIXTURES / "spec_full.md"
    document = render(load("spec_full"))
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(document, encoding="utf-8")
    assert document == golden.read_text(encoding="utf-8"), "rerun with UPDATE_GOLDEN=1 and review the diff"
