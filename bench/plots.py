"""PNG plots from bench/results/latest.json: overhead vs thread size, throughput vs workers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results")


def plot_all(data: dict[str, Any], out: Path = RESULTS) -> list[Path]:
    """Write the plots the data allows; returns their paths (none when matplotlib is missing)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    written = []
    sessions = [s for s in data.get("sessions", []) if s["attempt"] == 0]
    if sessions:
        fig, ax = plt.subplots(figsize=(6, 4))
        sizes = [s["size"] for s in sessions]
        ax.plot(sizes, [s["overhead"] * 1000 for s in sessions], "o-", label="whole session (mention to Done)")
        ax.plot(sizes, [s["job_overhead"] * 1000 for s in sessions], "s--", label="worker job only")
        ax.set_xscale("log")
        ax.set_xlabel("messages in the thread")
        ax.set_ylabel("bot overhead (ms, waits on Slack/model excluded)")
        ax.set_title("Overhead vs thread size")
        ax.grid(True, alpha=0.3)
        ax.legend()
        fig.tight_layout()
        written.append(out / "overhead.png")
        fig.savefig(written[-1], dpi=110)
        plt.close(fig)
    scale = data.get("scale", [])
    if scale:
        fig, ax = plt.subplots(figsize=(6, 4))
        workers = [s["workers"] for s in scale]
        ax.plot(workers, [s["per_minute"] for s in scale], "o-", label="measured")
        ideal = scale[0]["per_minute"] / scale[0]["workers"]
        ax.plot(workers, [ideal * w for w in workers], ":", label="linear from 1 worker")
        ax.set_xlabel("worker processes")
        ax.set_ylabel("sessions completed per minute")
        ax.set_title("Throughput vs workers (model: 2 s per call)")
        ax.set_xticks(workers)
        ax.grid(True, alpha=0.3)
        ax.legend()
        fig.tight_layout()
        written.append(out / "throughput.png")
        fig.savefig(written[-1], dpi=110)
        plt.close(fig)
    return written


if __name__ == "__main__":
    print(plot_all(json.loads((RESULTS / "latest.json").read_text())))
