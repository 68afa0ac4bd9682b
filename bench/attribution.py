"""Answer attribution on the fixture threads: do free-form replies land on the questions they answer?

For each thread in tests/fixtures/threads/ the real pipeline asks its clarifying questions (clarify),
then the thread's scripted free-form replies (`"replies": [{"user", "text", "answers": [areas]}]`,
`[]` for chatter) are attributed exactly as the worker does it (bot.spec.attribution, one request per
batch). Scored per (reply, area): *correct* when the reply was put on a question of an area it
answers, *wrong* when put on a question of an area it does not answer (any attribution of chatter is
wrong), *missed* when it answers an area that has a question but was not put there. An area the
clarify step asked nothing about cannot be attributed: counted as *not asked*, outside the score.
Also measured: the extra model calls and tokens attribution costs per thread (one session each).

    .venv/bin/python -m bench.attribution   # OPENAI_API_KEY / OPENAI_BASE_URL / OPENAI_MODEL, else the emulator
    .venv/bin/python -m bench.attribution --emulator --json

Against the emulator the "model" is a keyword matcher (below): it proves the scoring and the plumbing,
not the prompt. Only a real endpoint measures the prompt.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bot.config import DEFAULT_PROMPTS_DIR
from bot.llm.client import ModelClient
from bot.llm.port import PromptedModel
from bot.llm.prompts import PromptLibrary
from bot.spec.answers import AnswerSheet
from bot.spec.attribution import attribute, attribution_key
from bot.spec.clarify import clarify
from bot.spec.discussion import build_discussion
from bot.spec.records import Reply
from bot.spec.schemas import AREA_TITLES
from bot.spec.transcript import ThreadMessage

THREADS_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "threads"
EMULATOR_KEY = "attribution-emulator-key"
BASE_TS = 1_760_000_000


@dataclass
class Score:
    """Attribution counts for one thread (or the total)."""

    thread: str
    replies: int = 0
    correct: int = 0
    wrong: int = 0
    missed: int = 0
    not_asked: int = 0
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    mistakes: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        """Add another thread's counts to these."""
        for name in (
            "replies",
            "correct",
            "wrong",
            "missed",
            "not_asked",
            "calls",
            "prompt_tokens",
            "completion_tokens",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _ts(index: int) -> str:
    return f"{BASE_TS + index * 60}.000100"


def score_thread(name: str, fixture: dict[str, Any], model: ModelClient, prompts: PromptLibrary) -> Score:
    """Clarify the thread, attribute its scripted replies, and score them against their annotations."""
    people: dict[str, str] = fixture["people"]
    messages = [
        ThreadMessage(ts=_ts(i), user_id=user, author=people.get(user, user), text=text, is_bot=False)
        for i, (user, text) in enumerate(fixture["messages"])
    ]
    llm = PromptedModel(model, prompts)
    discussion = build_discussion(
        messages,
        questions=[],
        questions_ts=None,
        sheet=AnswerSheet(answers={}, general=[]),
        names=people,
        token_budget=100_000,
        prompts=prompts,
    )
    questions = clarify(discussion, llm, 12).questions
    scripted = fixture.get("replies") or []
    replies = [Reply(ts=_ts(len(messages) + i), user_id=r["user"], text=r["text"]) for i, r in enumerate(scripted, 1)]
    used = len(model.usage)
    found = attribute(questions, replies, llm) if questions and replies else {}
    usage = model.usage[used:]
    score = Score(thread=name, replies=len(replies), calls=len(usage))
    score.prompt_tokens = sum(u.prompt_tokens for u in usage)
    score.completion_tokens = sum(u.completion_tokens for u in usage)
    area_of = {q.number: q.area.value for q in questions}
    asked = set(area_of.values())
    for reply, item in zip(replies, scripted, strict=True):
        expected = set(item.get("answers") or [])
        attribution = found.get(attribution_key(reply))
        got = {area_of[n] for n in (attribution.questions if attribution else {})}
        _score_reply(score, reply.text, expected, got, asked)
    return score


def _score_reply(score: Score, text: str, expected: set[str], got: set[str], asked: set[str]) -> None:
    score.correct += len(got & expected)
    score.wrong += len(got - expected)
    score.missed += len((expected & asked) - got)
    score.not_asked += len(expected - asked)
    if got != expected & asked:
        score.mistakes.append(f"{text[:60]!r}: expected {sorted(expected & asked)}, got {sorted(got)}")


# ---------------------------------------------------------------- the emulator's stand-in model

KEYWORDS: dict[str, tuple[str, ...]] = {
    "data": ("table", "rows", "kept", "keep", "stored", "days", "postgres", "logs"),
    "performance": (" ms", "p95", "p99", "minutes", "within", "second", "under"),
    "security": ("signed", "credentials", "token", "auth", "secret", "encrypted", "only the", "chiffr"),
    "compatibility": ("existing", "no client changes", "backward"),
    "error_handling": ("retry", "fails", "falla", "fail open"),
}


def keyword_attribution(schema: str | None, body: dict[str, Any]) -> dict[str, Any] | None:
    """A keyword matcher playing the model for AttributionResult (the emulator's defaults for the rest)."""
    if schema != "AttributionResult":
        return None
    prompt = body["messages"][-1]["content"]
    labels = {title: area.value for area, title in AREA_TITLES.items()}
    questions = {
        labels.get(area_title, ""): int(number)
        for number, area_title in re.findall(r"^(\d+)\. \(([^)]*)\)", prompt.split("<questions>", 1)[1], re.MULTILINE)
    }
    verdict = []
    for label, text in re.findall(r"^\[(R\d+)\] (.*)$", prompt.split("<replies>", 1)[1], re.MULTILINE):
        hits = [area for area, words in KEYWORDS.items() if any(w in text.lower() for w in words)]
        answers = [{"question": questions[a], "fully": True} for a in hits if a in questions]
        verdict.append({"reply": label, "answers": answers, "only_asks_to_proceed": False})
    return {"replies": verdict}


def _model(emulated: bool) -> tuple[ModelClient, Any]:
    if emulated:
        from tests.fakes.model import ModelEmulator

        emulator = ModelEmulator(api_key=EMULATOR_KEY).start()
        emulator.responder = keyword_attribution
        client = ModelClient(
            api_key=EMULATOR_KEY, base_url=emulator.base_url, model="emulator", timeout=30, max_retries=0
        )
        return client, emulator
    client = ModelClient(
        api_key=os.environ["OPENAI_API_KEY"],
        base_url=os.environ.get("OPENAI_BASE_URL") or None,
        model=os.environ.get("OPENAI_MODEL", "gpt-4.1"),
        timeout=float(os.environ.get("OPENAI_TIMEOUT_SECONDS", "180")),
        max_retries=2,
        structured_mode=os.environ.get("STRUCTURED_MODE", "json_schema"),
    )
    return client, None


def measure(emulated: bool, threads: Path = THREADS_DIR) -> tuple[str, list[Score], Score]:
    """Score every fixture thread: (model name, per-thread scores, total)."""
    override = Path(os.environ["TECHSPEC_TEMPLATES_DIR"]) if os.environ.get("TECHSPEC_TEMPLATES_DIR") else None
    prompts = PromptLibrary(Path(os.environ.get("TECHSPEC_PROMPTS_DIR") or DEFAULT_PROMPTS_DIR), override)
    model, emulator = _model(emulated)
    try:
        scores = [
            score_thread(path.stem, json.loads(path.read_text()), model, prompts)
            for path in sorted(threads.glob("*.json"))
        ]
    finally:
        if emulator is not None:
            emulator.stop()
    total = Score(thread="total")
    for score in scores:
        total.add(score)
    return model.model, scores, total


def _rate(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "-"


def report(model_name: str, scores: list[Score], total: Score) -> str:
    """The table people read: what went wrong, then per thread, then the total."""
    lines = [f"answer attribution: {len(scores)} threads, model {model_name}"]
    lines += [f"  {s.thread}: {m}" for s in scores for m in s.mistakes]
    lines += [
        f"{'thread':<18} {'replies':>7} {'correct':>14} {'wrong':>6} {'missed':>6} {'not asked':>9}"
        f" {'calls':>5} {'tokens in/out':>14}",
    ]
    for s in [*scores, total]:
        expected = s.correct + s.missed
        lines.append(
            f"{s.thread:<18} {s.replies:>7} {_rate(s.correct, expected):>14} {s.wrong:>6} {s.missed:>6}"
            f" {s.not_asked:>9} {s.calls:>5} {f'{s.prompt_tokens}/{s.completion_tokens}':>14}"
        )
    return "\n".join(lines)


def as_dict(model_name: str, scores: list[Score], total: Score) -> dict[str, Any]:
    """The same as JSON-ready data."""
    return {"model": model_name, "threads": [asdict(s) for s in scores], "total": asdict(total)}


def main(argv: list[str] | None = None) -> int:
    """Run the attribution eval and print the report (or JSON with --json)."""
    parser = argparse.ArgumentParser(prog="python -m bench.attribution", description=__doc__.splitlines()[0])
    parser.add_argument("--emulator", action="store_true", help="use the model emulator even if a key is set")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--threads", type=Path, default=THREADS_DIR, help="directory of fixture threads")
    args = parser.parse_args(argv)
    result = measure(args.emulator or not os.environ.get("OPENAI_API_KEY"), args.threads)
    print(json.dumps(as_dict(*result), indent=1) if args.json else report(*result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
