"""Step 2: write the spec model from the discussion and the answers."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.errors import ContextTooLongError, ModelOutputError, ModelUnavailableError
from bot.llm.port import PromptedModel
from bot.llm.prompts import PromptLibrary
from bot.spec.checklist import CheckContext, ChecklistReport, run_checklist
from bot.spec.checklist.base import mentions, strip_fr_prefix
from bot.spec.checklist.citations import Unsourced, unsourced_items
from bot.spec.checklist.wording import ChecklistWording, WordedItem
from bot.spec.discussion import Clarification, Discussion
from bot.spec.document import Sourced, SpecRepair, TechnicalSpecDraft
from bot.spec.records import clean_title

log = logging.getLogger(__name__)
CHECKLIST_SOURCE = "checklist"


@dataclass(frozen=True)
class WrittenSpec:
    """The spec after the checklist and its repairs, with the checklist before and after repair."""

    spec: TechnicalSpecDraft
    before: ChecklistReport
    after: ChecklistReport
    rounds: int
    # The checklist items still failing after the repairs: said in the comment and Open Questions.
    needs_human: list[WordedItem]


class OpenQuestionWords:
    """The items the writer adds to Open Questions, worded by prompts/open_questions.md.j2."""

    def __init__(self, prompts: PromptLibrary) -> None:
        self._macros = prompts.macros("open_questions")
        self.checklist = ChecklistWording(prompts)

    @property
    def assumption_prefix(self) -> str:
        """How every listed assumption starts (to recognise the ones listed before)."""
        return str(self._macros.assumption_prefix)

    def assumption(self, item: Unsourced) -> str:
        """'Assumption to confirm: FR-2, "...", rests on no message or answer in the thread.'"""
        return str(self._macros.assumption(item.kind, item.number, item.text))

    def unanswered(self, clarification: Clarification) -> str:
        """A clarifying question nobody answered, with its number and area."""
        return str(self._macros.unanswered(clarification.question, clarification.number, clarification.area))

    def needs_human(self, item: WordedItem) -> str:
        """A checklist item the repairs could not fix."""
        return str(self._macros.needs_human(item.summary))


def write_checked_spec(
    discussion: Discussion,
    language: str,
    llm: PromptedModel,
    *,
    sections: Iterable[str] | None = None,
    repair_rounds: int = 2,
) -> WrittenSpec:
    """Write the spec, run the checklist, send targeted repairs (at most repair_rounds), then be honest."""
    rendered = None if sections is None else frozenset(sections)
    context = check_context(discussion)
    words = OpenQuestionWords(llm.prompts)
    spec = complete(write_spec(discussion, language, llm), discussion, words)
    before = report = run_checklist(spec, context, rendered)
    rounds = 0
    while report.failing and rounds < repair_rounds:
        rounds += 1
        try:
            spec = complete(repair_spec(spec, report, discussion, language, llm), discussion, words)
        except (ModelOutputError, ModelUnavailableError, ContextTooLongError) as exc:
            # The draft is still worth delivering: what the repair could not fix is reported, not hidden.
            log.warning("checklist repair failed", extra={"round": rounds, "error": str(exc)[:200]})
            break
        report = run_checklist(spec, context, rendered)
    log.info(
        "spec checklist",
        extra={"before": f"{before.passed_count}/{before.total}", "after": f"{report.passed_count}/{report.total}"},
    )
    needs_human = [words.checklist.worded(result) for result in report.failing]
    return WrittenSpec(with_checklist_items(spec, needs_human, words), before, report, rounds, needs_human)


def check_context(discussion: Discussion) -> CheckContext:
    """The labels a citation may name (messages, answers, questions) and the unanswered questions."""
    labels = {*discussion.message_labels, CHECKLIST_SOURCE.upper()}
    labels |= {c.label for c in [*discussion.clarifications, *discussion.general_replies] if c.label}
    labels |= {f"Q{c.number}" for c in discussion.clarifications}
    unanswered = tuple(c.question for c in discussion.clarifications if not c.answer)
    # A revision's transcript holds only what was said since, so the old version's labels can't be checked.
    revising = getattr(discussion, "revision", None) is not None
    return CheckContext(labels=None if revising else frozenset(labels), unanswered=unanswered)


def repair_spec(
    spec: TechnicalSpecDraft,
    report: ChecklistReport,
    discussion: Discussion,
    language: str,
    llm: PromptedModel,
) -> TechnicalSpecDraft:
    """One targeted repair request naming exactly the failing items; only their sections are replaced."""
    sections = report.sections_to_repair()
    patch = llm.ask(
        SpecRepair,
        "checklist_repair",
        failing=failing_items(report, ChecklistWording(llm.prompts)),
        sections=sections,
        spec_json=spec.model_dump_json(indent=1),
        **discussion_context(discussion, language),
    )
    update = {name: getattr(patch, name) for name in sections if getattr(patch, name) is not None}
    return spec.model_copy(update=update)


def failing_items(report: ChecklistReport, wording: ChecklistWording) -> list[dict[str, Any]]:
    """The failing items as the repair prompt lists them: id, title and every problem as a sentence.

    Worded here (from prompts/checklist_problems.md.j2) rather than in the repair template, so an operator's
    own checklist_repair.md.j2 (TECHSPEC_TEMPLATES_DIR) keeps the variables it was written for.
    """
    return [
        {"item": r.item, "title": wording.title(r.item), "problems": [wording.problem(p) for p in r.problems]}
        for r in report.failing
    ]


def complete(spec: TechnicalSpecDraft, discussion: Discussion, words: OpenQuestionWords) -> TechnicalSpecDraft:
    """What code can fix without the model: FR numbers, unanswered questions and assumptions listed."""
    requirements = [fr.model_copy(update={"text": strip_fr_prefix(fr.text)}) for fr in spec.functional_requirements]
    spec = spec.model_copy(update={"functional_requirements": requirements, "title": clean_title(spec.title)})
    return with_assumptions(with_unanswered_questions(spec, discussion, words), words)


def with_assumptions(spec: TechnicalSpecDraft, words: OpenQuestionWords) -> TechnicalSpecDraft:
    """List every requirement, decision and risk that cites nothing as an assumption to confirm."""
    kept = [q for q in spec.open_questions if not q.text.startswith(words.assumption_prefix)]
    listed = " ".join(q.text for q in kept)
    added = [
        Sourced(text=words.assumption(item), sources=[])
        for item in unsourced_items(spec)
        if not mentions(listed, item.text)
    ]
    return spec.model_copy(update={"open_questions": [*kept, *added]})


def with_checklist_items(
    spec: TechnicalSpecDraft, failing: list[WordedItem], words: OpenQuestionWords
) -> TechnicalSpecDraft:
    """Carry every checklist item that still fails into Open Questions, for a human to settle."""
    items = [Sourced(text=words.needs_human(item), sources=[CHECKLIST_SOURCE]) for item in failing]
    return spec.model_copy(update={"open_questions": [*spec.open_questions, *items]})


def discussion_context(discussion: Discussion, language: str) -> dict[str, Any]:
    """The template variables every spec-writing prompt shares: the thread, the answers, the language."""
    return {
        "transcript": discussion.transcript,
        "message_count": discussion.message_count,
        "condensed": discussion.condensed,
        "clarifications": [c.model_dump() for c in discussion.clarifications],
        "general_replies": [c.model_dump() for c in discussion.general_replies],
        "language": language,
    }


def write_spec(discussion: Discussion, language: str, llm: PromptedModel) -> TechnicalSpecDraft:
    """Ask the model for the whole spec (complete() then adds what code can: unanswered questions, ...)."""
    return llm.ask(
        TechnicalSpecDraft,
        "write",
        previous_spec=discussion.revision.spec_markdown if discussion.revision else None,
        **discussion_context(discussion, language),
    )


def with_unanswered_questions(
    spec: TechnicalSpecDraft, discussion: Discussion, words: OpenQuestionWords
) -> TechnicalSpecDraft:
    """Add every question the team left unanswered to Open Questions, unless the model already has it."""
    present = " ".join(item.text.lower() for item in spec.open_questions)
    missing = [
        Sourced(text=words.unanswered(c), sources=[f"Q{c.number}"])
        for c in discussion.clarifications
        if not c.answer and c.question.lower()[:60] not in present
    ]
    return spec.model_copy(update={"open_questions": [*spec.open_questions, *missing]})
