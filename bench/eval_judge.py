"""An LLM judge of each functional requirement on the ISO/IEC/IEEE 29148 characteristics.

Configured with EVAL_JUDGE_API_KEY, EVAL_JUDGE_MODEL and (optionally) EVAL_JUDGE_BASE_URL: ideally a
stronger model than the one under test. Its prompt is prompts/judge.md.j2; each verdict comes with a
one-line reason, kept in the JSON output.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from bench.eval_run import ThreadResult
from bot.config import DEFAULT_PROMPTS_DIR
from bot.llm.capabilities import CallOptions
from bot.llm.client import ModelClient
from bot.llm.port import PromptedModel
from bot.llm.prompts import PromptLibrary
from bot.spec.schemas import Strict

CHARACTERISTICS = ("necessary", "unambiguous", "singular", "verifiable", "feasible", "correct")


class Verdict(Strict):
    """One characteristic of one requirement: met or not, and why in one line."""

    met: bool
    reason: str = Field(max_length=200)


class RequirementVerdict(Strict):
    """The six verdicts on one requirement."""

    number: int
    necessary: Verdict
    unambiguous: Verdict
    singular: Verdict
    verifiable: Verdict
    feasible: Verdict
    correct: Verdict


class JudgeVerdicts(Strict):
    """The judge's answer: one entry per requirement."""

    output_tokens: ClassVar[int] = 6_000
    requirements: list[RequirementVerdict] = Field(max_length=40)


def judge_from_env() -> PromptedModel | None:
    """The judge when EVAL_JUDGE_API_KEY and EVAL_JUDGE_MODEL are set, else None."""
    key, model = os.environ.get("EVAL_JUDGE_API_KEY"), os.environ.get("EVAL_JUDGE_MODEL")
    if not key or not model:
        return None
    client = ModelClient(
        api_key=key,
        base_url=os.environ.get("EVAL_JUDGE_BASE_URL") or None,
        model=model,
        timeout=float(os.environ.get("EVAL_JUDGE_TIMEOUT_SECONDS", "300")),
        max_retries=1,
        options=CallOptions(temperature=0.0, seed=0),
    )
    return PromptedModel(client, PromptLibrary(Path(os.environ.get("TECHSPEC_PROMPTS_DIR") or DEFAULT_PROMPTS_DIR)))


def judge_thread(result: ThreadResult, judge: PromptedModel) -> None:
    """Score the thread's requirements on each characteristic; a judge failure is noted, not raised."""
    if result.spec is None or not result.spec.functional_requirements:
        return
    requirements = [fr.text for fr in result.spec.functional_requirements]
    try:
        verdicts = judge.ask(JudgeVerdicts, "judge", transcript=result.transcript, requirements=requirements)
    except Exception as exc:  # the judge is a second opinion: its failure must not lose the figures
        result.judge_notes.append(f"judge failed: {type(exc).__name__}")
        return
    for name in CHARACTERISTICS:
        met = sum(getattr(v, name).met for v in verdicts.requirements)
        result.judge[name] = (met, len(verdicts.requirements))
    for v in verdicts.requirements:
        failed = [f"{name}: {getattr(v, name).reason}" for name in CHARACTERISTICS if not getattr(v, name).met]
        result.judge_notes += [f"FR-{v.number} not {line}" for line in failed]
