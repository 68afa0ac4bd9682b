"""The eval's tables: quality per thread and in total, the checklist and costs, and two runs side by side."""

from __future__ import annotations

from collections import Counter
from typing import Any

from bench.eval_judge import CHARACTERISTICS
from bench.eval_run import ThreadResult
from bench.eval_score import Quality

Pair = tuple[int, int]
QUALITY_COLUMNS = (
    ("decision recall", "decisions"),
    ("citation accuracy", "cited"),
    ("question precision", "q prec"),
    ("question recall", "q recall"),
    ("over-asking", "over-ask"),
    ("assumptions labelled", "assumed"),
    ("contradictions surfaced", "contra"),
)


def rate(pair: Pair | list[int] | None) -> str:
    """ "3/4 75%", or "-" when there is nothing to count."""
    if not pair or not pair[1]:
        return "-"
    return f"{pair[0]}/{pair[1]} {100 * pair[0] / pair[1]:.0f}%"


def _sum(pairs: list[Pair]) -> Pair:
    return (sum(p[0] for p in pairs), sum(p[1] for p in pairs))


def totals(results: list[ThreadResult]) -> dict[str, Any]:
    """Sums over all threads (failed threads count as failed, and add nothing else)."""
    questions: Counter[str] = Counter()
    quality = Quality()
    for r in results:
        questions.update(r.questions)
        quality.add(r.quality)
    attributed = [r.attribution for r in results if r.attribution is not None]
    costs = [r.cost for r in results if r.cost is not None]
    return {
        "threads": len(results),
        "errors": sum(1 for r in results if r.error),
        "before": _sum([r.before for r in results]),
        "after": _sum([r.after for r in results]),
        "sourced": _sum([r.sourced for r in results]),
        "rounds": sum(r.rounds for r in results),
        "questions": dict(questions),
        "quality": {name: list(pair) for name, pair in quality.rates().items()},
        "judge": {c: list(_sum([r.judge[c] for r in results if c in r.judge])) for c in CHARACTERISTICS},
        "attribution": list(_sum(attributed)) if attributed else None,
        "calls": sum(r.calls for r in results),
        "prompt_tokens": sum(r.prompt_tokens for r in results),
        "completion_tokens": sum(r.completion_tokens for r in results),
        "seconds": round(sum(r.seconds for r in results), 1),
        "cost": round(sum(costs), 4) if costs else None,
    }


def _quality_row(label: str, rates: dict[str, Any], attribution: Any) -> str:
    cells = [f"{rate(rates.get(name)):>11}" for name, _ in QUALITY_COLUMNS]
    return f"{label:<22}" + " ".join(cells) + f" {rate(attribution):>11}"


def _cost_row(label: str, row: dict[str, Any]) -> str:
    cost = "-" if row.get("cost") is None else f"${row['cost']:.4f}"
    tokens = f"{row['prompt_tokens']}/{row['completion_tokens']}"
    return (
        f"{label:<22}{rate(row['before']):>12} {rate(row['after']):>12} {row['rounds']:>6} {rate(row['sourced']):>11}"
        f" {row['calls']:>5} {tokens:>13} {row['seconds']:>8.1f} {cost:>9}"
    )


def report(results: list[ThreadResult], model_name: str) -> str:
    """The tables people read: quality, then checklist, tokens, time and cost; per thread, then the total."""
    total = totals(results)
    head = f"{'thread':<22}" + " ".join(f"{short:>11}" for _, short in QUALITY_COLUMNS) + f" {'attribution':>11}"
    lines = [f"techspec eval: {len(results)} threads, model {model_name}, {total['errors']} failed", "", head]
    for r in results:
        lines.append(_quality_row(r.thread, {n: list(p) for n, p in r.quality.rates().items()}, r.attribution))
    lines.append(_quality_row("total", total["quality"], total["attribution"]))
    if any(total["judge"][c][1] for c in CHARACTERISTICS):
        lines += [
            "",
            "ISO/IEC/IEEE 29148 (judge): " + ", ".join(f"{c} {rate(total['judge'][c])}" for c in CHARACTERISTICS),
        ]
    lines += ["", f"{'thread':<22}{'checklist before':>12} {'after repair':>12} {'rounds':>6} {'FRs sourced':>11}"
              f" {'calls':>5} {'tokens in/out':>13} {'seconds':>8} {'cost':>9}"]  # fmt: skip
    for r in results:
        lines.append(_cost_row(r.thread, r.__dict__))
        if r.error:
            lines.append(f"{'':<22}failed: {r.error}")
        if r.needs_human:
            lines.append(f"{'':<22}needs a human: {', '.join(r.needs_human)}")
    lines.append(_cost_row("total", total))
    return "\n".join(lines)


def compare(first: dict[str, Any], second: dict[str, Any]) -> str:
    """Two saved runs (--json output) side by side: each figure per thread and in total, A then B."""
    names = [name for name, _ in QUALITY_COLUMNS] + ["checklist after", "tokens", "seconds"]
    lines = [
        f"A: {first.get('model')} ({first.get('date', '?')})   B: {second.get('model')} ({second.get('date', '?')})"
    ]
    rows_a = {t["thread"]: t for t in first["threads"]} | {"total": first["total"]}
    rows_b = {t["thread"]: t for t in second["threads"]} | {"total": second["total"]}
    for thread in [*sorted((set(rows_a) | set(rows_b)) - {"total"}), "total"]:
        lines.append(f"\n{thread}")
        for name in names:
            a, b = _figure(rows_a.get(thread), name), _figure(rows_b.get(thread), name)
            if a != b or thread == "total":
                lines.append(f"  {name:<24} {a:>14}  {b:>14}")
    return "\n".join(lines)


def _figure(row: dict[str, Any] | None, name: str) -> str:
    if row is None:
        return "absent"
    if name == "checklist after":
        return rate(row.get("after"))
    if name == "tokens":
        return f"{row.get('prompt_tokens', 0)}/{row.get('completion_tokens', 0)}"
    if name == "seconds":
        return f"{row.get('seconds', 0):.1f}"
    return rate((row.get("quality") or {}).get(name))
