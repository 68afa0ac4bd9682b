"""`make redaction-report`: recall and false redactions per class over the planted corpus, and the time per 10 KB.

Recall counts a planted sample as caught only when none of its secrets survives anywhere in the output;
a look-alike counts as falsely redacted when the output differs from the input at all.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass

from bot.spec.redaction import redact
from tests.spec.secret_corpus import LOOK_ALIKES, PLANTED


@dataclass
class Score:
    """Planted samples caught, and look-alikes left alone, in one class."""

    planted: int = 0
    caught: int = 0
    alikes: int = 0
    falsely_redacted: int = 0


def misses() -> list[tuple[str, str, list[str]]]:
    """Planted samples with a secret that survived redaction: (class, output, surviving secrets)."""
    found = []
    for cls, text, secrets in PLANTED:
        out = redact(text).text
        left = [s for s in secrets if s in out]
        if left:
            found.append((cls, out, left))
    return found


def false_redactions() -> list[tuple[str, str, str]]:
    """Look-alikes the redactor changed: (class, input, output)."""
    found = []
    for cls, text in LOOK_ALIKES:
        out = redact(text).text
        if out != text:
            found.append((cls, text, out))
    return found


def scores() -> dict[str, Score]:
    """The per-class score table."""
    table: dict[str, Score] = defaultdict(Score)
    missed = {(cls, out) for cls, out, _ in misses()}
    for cls, text, _ in PLANTED:
        table[cls].planted += 1
        table[cls].caught += (cls, redact(text).text) not in missed
    wrong = {(cls, text) for cls, text, _ in false_redactions()}
    for cls, text in LOOK_ALIKES:
        table[cls].alikes += 1
        table[cls].falsely_redacted += (cls, text) in wrong
    return dict(table)


def ten_kb_message() -> str:
    """A realistic 10 KB message: design prose and config with a few planted secrets among it."""
    lines = [text for _, text in LOOK_ALIKES] + [text for _, text, _ in PLANTED[::12]]
    body, i = [], 0
    while sum(len(x) + 1 for x in body) < 10_000:
        body.append(lines[i % len(lines)] if i % 3 else "We agreed the exporter streams rows to S3 in 5 MB parts.")
        i += 1
    return "\n".join(body)[:10_000]


def time_per_10kb(rounds: int = 30, clock: str = "wall") -> tuple[float, float, float]:
    """(fastest, median, p95) milliseconds to redact one 10 KB message (after one warm-up); clock "cpu"
    counts only this process's CPU time, so other processes on a shared machine do not inflate it."""
    now = time.process_time if clock == "cpu" else time.perf_counter
    text = ten_kb_message()
    redact(text)
    samples = []
    for _ in range(rounds):
        started = now()
        redact(text)
        samples.append((now() - started) * 1000)
    samples.sort()
    return samples[0], statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> int:
    """Print the report; exit 1 when recall is below 100% or false redactions above 2%."""
    table = scores()
    print(f"{'class':<18}{'planted':>8}{'caught':>8}{'recall':>9}{'look-alikes':>13}{'false':>7}{'rate':>8}")
    for cls in sorted(table):
        s = table[cls]
        recall = f"{100 * s.caught / s.planted:.1f}%" if s.planted else "-"
        rate = f"{100 * s.falsely_redacted / s.alikes:.1f}%" if s.alikes else "-"
        print(f"{cls:<18}{s.planted:>8}{s.caught:>8}{recall:>9}{s.alikes:>13}{s.falsely_redacted:>7}{rate:>8}")
    planted = sum(s.planted for s in table.values())
    caught = sum(s.caught for s in table.values())
    alikes = sum(s.alikes for s in table.values())
    wrong = sum(s.falsely_redacted for s in table.values())
    print(
        f"{'total':<18}{planted:>8}{caught:>8}{100 * caught / planted:>8.1f}%{alikes:>13}{wrong:>7}"
        f"{100 * wrong / alikes:>7.1f}%"
    )
    for clock in ("wall", "cpu"):
        fastest, median, p95 = time_per_10kb(100, clock)
        print(
            f"{clock} time per 10 KB message: fastest {fastest:.2f} ms, median {median:.2f} ms, p95 {p95:.2f} ms"
            " (goal < 5 ms)"
        )
    for cls, out, left in misses():
        print(f"MISSED [{cls}] {left} in: {out[:160]!r}")
    for cls, text, out in false_redactions():
        print(f"FALSE  [{cls}] {text[:100]!r} -> {out[:100]!r}")
    return 0 if caught == planted and wrong <= 0.02 * alikes else 1


if __name__ == "__main__":
    sys.exit(main())
