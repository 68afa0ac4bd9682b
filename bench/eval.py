"""`make eval`: spec quality over the fixture threads, measured against the configured model.

For each thread in tests/fixtures/threads/ the real pipeline runs (bench/eval_run.py) under the bot's
own settings (budget fitted to the context window, output tokens, temperature, seed, structured
mode), and the spec is scored against the thread's annotations (bench/eval_score.py): decision
recall and citation accuracy, question precision and recall, over-asking, assumptions labelled,
contradictions surfaced; plus answer attribution (bench/attribution.py), the
checklist before and after repair, calls, tokens, time and cost. With EVAL_JUDGE_* set, a judge
scores each requirement on ISO/IEC/IEEE 29148 (bench/eval_judge.py). A failing thread is counted and
the run goes on. Without OPENAI_API_KEY (or with --emulator) it runs against the model emulator.

    make eval                                  # OPENAI_API_KEY / OPENAI_BASE_URL / OPENAI_MODEL, else the emulator
    make eval ARGS="--json --out run-a.json"   # keep a run
    make eval ARGS="--compare run-a.json run-b.json"
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import attribution
from bench.cost import load_prices
from bench.eval_judge import judge_from_env, judge_thread
from bench.eval_report import compare, report, totals
from bench.eval_run import EvalContext, ThreadResult, run_thread
from bench.eval_score import load_annotations
from bot.config import DEFAULT_PROMPTS_DIR, Settings
from bot.llm.client import ModelClient
from bot.llm.prompts import PromptLibrary
from bot.spec.render import make_document_environment
from bot.wiring import call_options

THREADS_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "threads"


def load_fixtures(directory: Path = THREADS_DIR) -> list[tuple[str, dict[str, Any]]]:
    """Every fixture thread, by file name, with its annotations."""
    fixtures = []
    for path in sorted(directory.glob("*.json")):
        fixture = json.loads(path.read_text())
        fixture.setdefault("annotations", load_annotations(directory, path.stem))
        fixtures.append((path.stem, fixture))
    return fixtures


def eval_settings(api_key: str) -> Settings:
    """The bot's settings from the environment (budgets, output tokens, sampling, mode), Slack aside."""
    return Settings(slack_bot_token="xoxb-eval", openai_api_key=api_key)  # type: ignore[arg-type,call-arg]


def build_model(settings: Settings, base_url: str | None) -> ModelClient:
    """The model client exactly as the bot builds it (capabilities remembered in this process)."""
    return ModelClient(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=base_url,
        model=settings.openai_model,
        timeout=settings.openai_timeout_seconds,
        max_retries=settings.openai_max_retries,
        options=call_options(settings),
    )


def run(args: argparse.Namespace) -> tuple[str, list[ThreadResult]]:
    """Every thread against the emulator or the configured endpoint; (model name, results)."""
    emulated = args.emulator or not os.environ.get("OPENAI_API_KEY")
    emulator = scripted = None
    if emulated:
        from bench.eval_emulator import API_KEY, start_emulator

        emulator, scripted = start_emulator()
        settings = eval_settings(API_KEY).model_copy(update={"openai_model": "emulator"})
        model = build_model(settings, emulator.base_url)
    else:
        settings = eval_settings(os.environ["OPENAI_API_KEY"])
        model = build_model(settings, settings.openai_base_url)
    override = settings.techspec_templates_dir
    ctx = EvalContext(
        settings=settings,
        model=model,
        prompts=PromptLibrary(settings.techspec_prompts_dir or DEFAULT_PROMPTS_DIR, override),
        documents=make_document_environment(override),
        now=datetime.now(UTC),
        prices=load_prices(),
    )
    judge = judge_from_env()
    results = []
    try:
        for name, fixture in load_fixtures(args.threads):
            if args.only and name not in args.only:
                continue
            if scripted is not None:
                scripted.use(fixture)
            result = run_thread(name, fixture, ctx)
            print(f"eval: {name} {'failed: ' + result.error if result.error else 'done'} in {result.seconds:.1f} s",
                  file=sys.stderr, flush=True)  # fmt: skip
            if judge is not None:
                judge_thread(result, judge)
            results.append(result)
            if args.write_specs and result.markdown:
                args.write_specs.mkdir(parents=True, exist_ok=True)
                (args.write_specs / f"{name}.md").write_text(result.markdown)
    finally:
        if emulator is not None:
            emulator.stop()
    _attribute(results, emulated, args.threads)
    return model.model, results


def _attribute(results: list[ThreadResult], emulated: bool, threads: Path) -> None:
    """Answer attribution per thread from bench.attribution, when that module is there."""
    try:
        _name, scores, _total = attribution.measure(emulated, threads)
    except Exception as exc:  # its failure must not lose the quality figures
        print(f"eval: answer attribution failed: {type(exc).__name__}", file=sys.stderr)
        return
    by_thread = {s.thread: s for s in scores}
    for result in results:
        found = by_thread.get(result.thread)
        if found is not None:
            result.attribution = (found.correct, found.correct + found.wrong + found.missed)


def as_json(model: str, results: list[ThreadResult]) -> dict[str, Any]:
    """The run as JSON (what --compare reads)."""
    rows = []
    for r in results:
        row = {k: v for k, v in asdict(r).items() if k not in ("markdown", "spec", "transcript")}
        row["quality"] = {name: list(pair) for name, pair in r.quality.rates().items()}
        rows.append(row)
    return {"model": model, "date": datetime.now(UTC).isoformat(timespec="seconds"), "threads": rows,
            "total": totals(results)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the eval and print the report (or JSON with --json), or compare two saved runs."""
    parser = argparse.ArgumentParser(prog="make eval", description=__doc__.splitlines()[0])
    parser.add_argument("--emulator", action="store_true", help="use the model emulator even if a key is set")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--out", type=Path, help="also save the results as JSON here (for --compare)")
    parser.add_argument("--threads", type=Path, default=THREADS_DIR, help="directory of fixture threads")
    parser.add_argument("--only", nargs="+", help="only these thread names")
    parser.add_argument("--write-specs", type=Path, help="also write each rendered TECHNICAL_SPEC.md here")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"), help="print two saved runs side by side")
    args = parser.parse_args(argv)
    if args.compare:
        first, second = (json.loads(path.read_text()) for path in args.compare)
        print(compare(first, second))
        return 0
    model, results = run(args)
    document = as_json(model, results)
    if args.out:
        args.out.write_text(json.dumps(document, indent=1))
    print(json.dumps(document, indent=1) if args.json else report(results, model))
    return 0


if __name__ == "__main__":
    sys.exit(main())
