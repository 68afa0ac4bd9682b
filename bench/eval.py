"""`make eval`: the spec pipeline over the fixture threads, measured against the configured model.

It drives the services directly (read -> clarify -> answers -> write + checklist + repair -> render)
rather than Slack: the prompts and the checklist are what is measured, and Slack, Redis and the
processes add nothing to that but setup (the end-to-end tests cover them). So it runs from a laptop
against any OpenAI-compatible endpoint in seconds. Without OPENAI_API_KEY (or with --emulator) it
runs against the model emulator, which is how CI proves the repair loop works.

    make eval                      # OPENAI_API_KEY / OPENAI_BASE_URL / OPENAI_MODEL, else the emulator
    .venv/bin/python -m bench.eval --emulator --json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import attribution
from bot.config import DEFAULT_PROMPTS_DIR
from bot.llm.client import ModelClient
from bot.llm.port import PromptedModel
from bot.llm.prompts import PromptLibrary
from bot.spec.answers import AnswerSheet, MatchedAnswer
from bot.spec.checklist import template_sections
from bot.spec.clarify import clarify
from bot.spec.discussion import build_discussion
from bot.spec.render import Clarification, RenderContext, make_document_environment, render_spec
from bot.spec.transcript import ThreadMessage
from bot.spec.writer import write_checked_spec

THREADS_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "threads"
MAX_QUESTIONS = 12
TOKEN_BUDGET = 100_000
BASE_TS = 1_760_000_000


@dataclass
class ThreadResult:
    """What one thread measured."""

    thread: str
    before: tuple[int, int]
    after: tuple[int, int]
    rounds: int
    needs_human: list[str]
    sourced: tuple[int, int]
    questions: dict[str, int]
    prompt_tokens: int
    completion_tokens: int
    markdown: str = field(repr=False, default="")


def load_fixtures(directory: Path = THREADS_DIR) -> list[tuple[str, dict[str, Any]]]:
    """Every fixture thread, by file name."""
    return [(path.stem, json.loads(path.read_text())) for path in sorted(directory.glob("*.json"))]


def _ts(index: int) -> str:
    return f"{BASE_TS + index * 60}.000100"


def run_thread(
    name: str, fixture: dict[str, Any], model: ModelClient, prompts: PromptLibrary, **opts: Any
) -> ThreadResult:
    """Clarify, answer from the fixture, write with the checklist loop, render; measure it all."""
    people: dict[str, str] = fixture["people"]
    messages = [
        ThreadMessage(ts=_ts(i), user_id=user, author=people.get(user, user), text=text, is_bot=False)
        for i, (user, text) in enumerate(fixture["messages"])
    ]
    used = len(model.usage)
    empty = AnswerSheet(answers={}, general=[])
    first = build_discussion(
        messages,
        questions=[],
        questions_ts=None,
        sheet=empty,
        names=people,
        token_budget=TOKEN_BUDGET,
        prompts=prompts,
    )
    llm = PromptedModel(model, prompts)
    outcome = clarify(first, llm, MAX_QUESTIONS)
    questions_ts = _ts(len(messages))
    answers: dict[int, MatchedAnswer] = {}
    for offset, question in enumerate(outcome.questions, start=1):
        given = fixture.get("answers", {}).get(question.area.value)
        if given:
            answers[question.number] = MatchedAnswer(
                question_number=question.number, text=given[1], user_id=given[0], reply_ts=_ts(len(messages) + offset)
            )
    discussion = build_discussion(
        messages,
        questions=outcome.questions,
        questions_ts=questions_ts,
        sheet=AnswerSheet(answers=answers, general=[]),
        names=people,
        token_budget=TOKEN_BUDGET,
        prompts=prompts,
    )
    documents = opts["documents"]
    written = write_checked_spec(
        discussion,
        outcome.language,
        llm,
        sections=template_sections(documents),
        repair_rounds=opts["repair_rounds"],
    )
    context = RenderContext(
        generated_at=opts["now"],
        channel_name="eval",
        clarifications=[
            Clarification(number=c.number, area=c.area, question=c.question, answer=c.answer, answered_by=c.answered_by)
            for c in discussion.clarifications
        ],
    )
    spec = written.spec
    usage = model.usage[used:]
    return ThreadResult(
        thread=name,
        before=(written.before.passed_count, written.before.total),
        after=(written.after.passed_count, written.after.total),
        rounds=written.rounds,
        needs_human=[r.item for r in written.needs_human],
        sourced=(sum(1 for fr in spec.functional_requirements if fr.sources), len(spec.functional_requirements)),
        questions=dict(Counter(q.area.value for q in outcome.questions)),
        prompt_tokens=sum(u.prompt_tokens for u in usage),
        completion_tokens=sum(u.completion_tokens for u in usage),
        markdown=render_spec(spec, context, documents),
    )


def _rate(pair: tuple[int, int]) -> str:
    passed, total = pair
    return f"{passed}/{total} ({100 * passed / total:.0f}%)" if total else "-"


def report(results: list[ThreadResult], model_name: str) -> str:
    """The table people read: per thread, then the total."""
    lines = [
        f"techspec eval: {len(results)} threads, model {model_name}",
        f"{'thread':<18} {'checklist before':>17} {'after repair':>14} {'rounds':>6} {'FRs sourced':>12}"
        f" {'tokens in/out':>15}  questions by area",
    ]
    for r in results:
        areas = ", ".join(f"{area} {n}" for area, n in sorted(r.questions.items())) or "none (clear)"
        lines.append(
            f"{r.thread:<18} {_rate(r.before):>17} {_rate(r.after):>14} {r.rounds:>6} {_rate(r.sourced):>12}"
            f" {f'{r.prompt_tokens}/{r.completion_tokens}':>15}  {areas}"
        )
        if r.needs_human:
            lines.append(f"{'':<18} needs a human: {', '.join(r.needs_human)}")
    total = totals(results)
    areas = ", ".join(f"{area} {n}" for area, n in sorted(total["questions"].items()))
    tokens = f"{total['prompt_tokens']}/{total['completion_tokens']}"
    lines.append(
        f"{'total':<18} {_rate(total['before']):>17} {_rate(total['after']):>14} {total['rounds']:>6}"
        f" {_rate(total['sourced']):>12} {tokens:>15}  {areas}"
    )
    return "\n".join(lines)


def totals(results: list[ThreadResult]) -> dict[str, Any]:
    """Sums over all threads."""
    questions: Counter[str] = Counter()
    for r in results:
        questions.update(r.questions)

    def pair(attr: str) -> tuple[int, int]:
        return (sum(getattr(r, attr)[0] for r in results), sum(getattr(r, attr)[1] for r in results))

    return {
        "before": pair("before"),
        "after": pair("after"),
        "sourced": pair("sourced"),
        "rounds": sum(r.rounds for r in results),
        "questions": dict(questions),
        "prompt_tokens": sum(r.prompt_tokens for r in results),
        "completion_tokens": sum(r.completion_tokens for r in results),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the eval and print the report (or JSON with --json)."""
    parser = argparse.ArgumentParser(prog="make eval", description=__doc__.splitlines()[0])
    parser.add_argument("--emulator", action="store_true", help="use the model emulator even if a key is set")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--threads", type=Path, default=THREADS_DIR, help="directory of fixture threads")
    parser.add_argument("--write-specs", type=Path, help="also write each rendered TECHNICAL_SPEC.md here")
    args = parser.parse_args(argv)
    from datetime import UTC, datetime

    override = Path(os.environ["TECHSPEC_TEMPLATES_DIR"]) if os.environ.get("TECHSPEC_TEMPLATES_DIR") else None
    prompts = PromptLibrary(Path(os.environ.get("TECHSPEC_PROMPTS_DIR") or DEFAULT_PROMPTS_DIR), override)
    opts = {
        "documents": make_document_environment(override),
        "repair_rounds": int(os.environ.get("TECHSPEC_CHECKLIST_REPAIR_ROUNDS", "2")),
        "now": datetime.now(UTC),
    }
    emulated = args.emulator or not os.environ.get("OPENAI_API_KEY")
    emulator = scripted = None
    if emulated:
        from bench.eval_emulator import API_KEY, start_emulator

        emulator, scripted = start_emulator()
        model = ModelClient(api_key=API_KEY, base_url=emulator.base_url, model="emulator", timeout=30, max_retries=0)
    else:
        model = ModelClient(
            api_key=os.environ["OPENAI_API_KEY"],
            base_url=os.environ.get("OPENAI_BASE_URL") or None,
            model=os.environ.get("OPENAI_MODEL", "gpt-4.1"),
            timeout=float(os.environ.get("OPENAI_TIMEOUT_SECONDS", "180")),
            max_retries=2,
            structured_mode=os.environ.get("STRUCTURED_MODE", "json_schema"),
        )
    results = []
    try:
        for name, fixture in load_fixtures(args.threads):
            if scripted is not None:
                scripted.use(fixture)
            results.append(run_thread(name, fixture, model, prompts, **opts))
            if args.write_specs:
                args.write_specs.mkdir(parents=True, exist_ok=True)
                (args.write_specs / f"{name}.md").write_text(results[-1].markdown)
    finally:
        if emulator is not None:
            emulator.stop()
    attributed = attribution.measure(emulated, args.threads)  # answer attribution (bench/attribution.py)
    if args.json:
        rows = [{k: v for k, v in asdict(r).items() if k != "markdown"} for r in results]
        found = {"attribution": attribution.as_dict(*attributed)}
        print(json.dumps({"model": model.model, "threads": rows, "total": totals(results)} | found, indent=1))
    else:
        print(report(results, model.model) + "\n\n" + attribution.report(*attributed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
