"""`make bench`: measure ack latency, per-session overhead, scale-out, memory and cost; write the report.

python -m bench.run            # the full run (about 5-8 minutes on 2 cores)
python -m bench.run --quick    # smaller sizes, for trying changes
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.ack import measure_ack
from bench.flood import flood, flood_line
from bench.plots import RESULTS, plot_all
from bench.report import render
from bench.scaleout import scale_out
from bench.sessions import overhead_by_size
from bench.stack import BenchStack
from bot.config import Settings

PAGE_SIZE = 200  # bot.slack.gateway.SlackGateway.read_thread's page size


def machine() -> str:
    """CPU model, core count and memory of this machine."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kb = next(int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal"))
    memory = f"{mem_kb / 1024 / 1024:.1f} GB RAM"
    return f"{os.cpu_count()} cores ({model}), {memory}, Linux {platform.release()}, Python {platform.python_version()}"


def _default(field: str) -> object:
    """The bot's default for a setting (what the web runs with unless the environment overrides it)."""
    return Settings.model_fields[field].default


def main(argv: list[str] | None = None) -> int:
    """Run the selected parts and write bench/results/latest.{json,md} and the plots."""
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--quick", action="store_true", help="smaller thread sizes and fewer sessions")
    parser.add_argument(
        "--only", default="ack,sessions,scale,flood", help="comma-separated: ack, sessions, scale, flood"
    )
    parser.add_argument("--slack-latency-ms", type=float, default=20.0)
    parser.add_argument("--price-model", default=os.environ.get("BENCH_PRICE_MODEL") or "gpt-4.1")
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    began = time.monotonic()
    data: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "mode": "quick" if args.quick else "full",
        "slack_latency_ms": args.slack_latency_ms,
        "price_model": args.price_model,
    }
    stack = BenchStack().start()
    try:
        if "ack" in parts:
            count = 500 if args.quick else 2000
            result = measure_ack(stack, count=count, concurrency=50)
            data["ack"] = {
                "count": count,
                "concurrency": 50,
                "web_workers": stack.env.get(
                    "TECHSPEC_WEB_WORKERS", str(Settings.model_fields["techspec_web_workers"].default)
                ),
                "web_threads": stack.env.get(
                    "TECHSPEC_WEB_THREADS", str(Settings.model_fields["techspec_web_threads"].default)
                ),
                "p50_ms": result.percentile(50),
                "p99_ms": result.percentile(99),
                "max_ms": max(result.latencies) * 1000,
                "errors": result.errors,
                "non_2xx": result.non_2xx,
                "wall": result.wall,
                "redis_commands": result.redis_commands,
                "redis_gets": result.redis_reads_of_sessions,
                "redis_by_command": dict(result.redis_by_command),
            }
            print(f"ack: {data['ack']}", flush=True)
        stack.slack.latency = args.slack_latency_ms / 1000
        if "sessions" in parts:
            stack.set_workers(1)
            sizes = [10, 100, 1000] if args.quick else [10, 100, 1000, 5000]
            runs = overhead_by_size(stack, sizes)
            data["sessions"] = [
                {
                    **asdict(r),
                    "overhead": r.overhead,
                    "job_overhead": r.job_overhead,
                    "expected_pages": math.ceil((r.size + 2) / PAGE_SIZE),  # + the mention and the status line
                }
                for r in runs
            ]
            for r in data["sessions"]:
                print(
                    f"session {r['size']} #{r['attempt']}: wall {r['wall']:.2f}s overhead {r['overhead']:.3f}s "
                    f"job {r['job']:.2f}s job_overhead {r['job_overhead']:.3f}s {dict(r['slack_calls'])}",
                    flush=True,
                )
        if "scale" in parts:
            per_worker = 3 if args.quick else 6
            data["scale"] = [asdict(r) for r in scale_out(stack, [1, 2, 4], per_worker, channels=8)]
            print(f"scale: {data['scale']}", flush=True)
        if "flood" in parts:  # last: it restarts the web process with the bot's default limits
            for lifted in (True, False):  # the shard queues alone first (the bench's web lifts the limits)
                run = flood(stack, lifted=lifted)
                data["flood_lifted" if lifted else "flood"] = {**asdict(run), "target_s": run.target_s}
                print(flood_line(run), flush=True)
    finally:
        stack.stop()
    data["run_seconds"] = time.monotonic() - began
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(data, indent=1, default=str))
    (RESULTS / "latest.md").write_text(render(data))
    plots = plot_all(data)
    print(f"wrote {RESULTS / 'latest.md'} and {', '.join(str(p) for p in plots) or 'no plots (no matplotlib)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
