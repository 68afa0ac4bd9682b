"""bench/results/latest.md from the measured data."""

from __future__ import annotations

from typing import Any

from bench.cost import load_prices, price, tokens


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def _mb(value: int) -> str:
    return f"{value / 1024 / 1024:.0f}"


def render(data: dict[str, Any]) -> str:
    """The whole report as Markdown."""
    lines = [f"# techspec benchmark, {data['date']}", "", f"Machine: {data['machine']}. Command: `make bench`"]
    lines[-1] += f" ({data['mode']}). Real `web` and `worker` processes from the Procfile, a real redis-server,"
    lines += [
        f"the Slack and model emulators from tests/fakes (Slack latency {data['slack_latency_ms']:.0f} ms per call).",
        f"Wall time of the run: {data['run_seconds']:.0f} s.",
        "",
    ]
    lines += (
        _ack(data.get("ack"))
        + _sessions(data)
        + _scale(data.get("scale"))
        + _cost(data)
        + _flood(data.get("flood"), data.get("flood_lifted"))
    )
    if data.get("profile"):
        lines += ["## Profile of the worst figure", "", data["profile"], ""]
    return "\n".join(lines) + "\n"


def _ack(ack: dict[str, Any] | None) -> list[str]:
    if not ack:
        return []
    ok = ack["p99_ms"] < 100 and ack["errors"] == 0 and ack["non_2xx"] == 0
    return [
        "## 1. Ack latency",
        "",
        f"{ack['count']} signed Events API deliveries at concurrency {ack['concurrency']} to one web process "
        f"(gunicorn gthread, {ack['web_workers']} workers x {ack['web_threads']} threads), keep-alive connections.",
        "",
        "| p50 ms | p99 ms | max ms | errors | non-2xx | deliveries/s | Redis commands per delivery |",
        "|---|---|---|---|---|---|---|",
        f"| {ack['p50_ms']:.1f} | {ack['p99_ms']:.1f} | {ack['max_ms']:.1f} | {ack['errors']} | {ack['non_2xx']} "
        f"| {ack['count'] / ack['wall']:.0f} | {ack['redis_commands'] / ack['count']:.2f} |",
        "",
        f"Target p99 < 100 ms, no errors: **{'met' if ok else 'NOT met'}**. The mix is channel chatter unrelated to "
        "any session (50% top-level messages, 40% thread replies, 10% reactions). A thread reply costs one Redis "
        f"read (one MGET of the session and its history), everything else none: {ack['redis_gets']} reads for "
        f"{ack['count']} deliveries ({_commands(ack['redis_by_command'])}).",
        "",
    ]


def _commands(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def _sessions(data: dict[str, Any]) -> list[str]:
    runs = data.get("sessions") or []
    if not runs:
        return []
    lines = [
        "## 2. Worker overhead per session, and 4. memory",
        "",
        "One session = mention -> read every page -> clarify (the model says the thread is clear) -> write -> "
        "upload -> pin -> Done. Overhead = wall time minus the time the emulators spent answering (model and "
        "Slack, including the emulated Slack latency). 'first' uses authors never seen before; 'again' is a second "
        "thread by the same authors (names cached in Redis).",
        "",
        "| messages | authors | run | wall ms | bot overhead ms | worker job ms | job overhead ms | "
        "conversations.replies | users.info | other Slack calls | Redis commands | peak RSS web / worker MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        calls = dict(run["slack_calls"])
        pages, users = calls.pop("conversations.replies", 0), calls.pop("users.info", 0)
        lines.append(
            f"| {run['size']} | {run['authors']} | {'again' if run['attempt'] else 'first'} | {_ms(run['wall'])} "
            f"| {_ms(run['overhead'])} | {_ms(run['job'])} | {_ms(run['job_overhead'])} | {pages} "
            f"(expected {run['expected_pages']}) | {users} | {sum(calls.values())} | {run['redis_commands']} "
            f"| {_mb(run['rss'].get('web', 0))} / {_mb(run['rss'].get('worker', 0))} |"
        )
    last = runs[-1]
    other = {k: v for k, v in last["slack_calls"].items() if k not in ("conversations.replies", "users.info")}
    lines += [
        "",
        f"Other Slack calls in one session: {', '.join(f'{k} {v}' for k, v in sorted(other.items()))}.",
        "Redis commands are INFO commandstats deltas for the whole session (web + worker + RQ's own bookkeeping), "
        "minus the idle rate; a pipeline counts each command. Top commands of the last run: "
        + ", ".join(f"{k} {v}" for k, v in sorted(last["redis_by_command"].items(), key=lambda kv: -kv[1])[:8])
        + ".",
        "Peak RSS is the largest single process of each group (the worker's forked job process included), sampled "
        "every 50 ms.",
        "",
    ]
    return lines


def _scale(scale: list[dict[str, Any]] | None) -> list[str]:
    if not scale:
        return []
    lines = [
        "## 3. Scale-out (model: 2 s per call)",
        "",
        "All mentions arrive at once, threads spread over 8 channels; chat.postMessage is limited to about one a "
        "second per channel (burst 2) by the emulator, which answers 429 + Retry-After beyond that.",
        "",
        "| workers | sessions | seconds | sessions/min | model-bound ideal | model calls/session | 429s honoured "
        "| max posts per channel-second |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in scale:
        lines.append(
            f"| {run['workers']} | {run['sessions']} | {run['seconds']:.1f} | {run['per_minute']:.1f} "
            f"| {run['workers'] * 60 / (max(run['model_calls_per_session'], 1.0) * 2.0):.1f} "
            f"| {run['model_calls_per_session']:.1f} | {run['rate_limited']} | {run['max_posts_per_channel_second']} |"
        )
    return [*lines, ""]


def _cost(data: dict[str, Any]) -> list[str]:
    runs = [r for r in data.get("sessions") or [] if r["attempt"] == 0]
    if not runs:
        return []
    table = load_prices()
    model = data["price_model"]
    lines = [
        f"## 5. Cost per spec (prices: bench/prices.toml, model `{model}`)",
        "",
        "Tokens as the emulator counts them (4 characters a token). The system prompt is the first message and "
        "identical in every call, so providers can cache it; the emulator reports a cached prefix the way OpenAI "
        "does (from 1,024 tokens, in 128-token steps). Completion tokens are priced at no less than the assumed "
        "sizes in prices.toml, since the emulator's answers are minimal.",
        "",
        "| messages | model calls | prompt tokens | cached tokens | completion tokens (emulator) | est. $ per spec |",
        "|---|---|---|---|---|---|",
    ]
    for run in runs:
        usage = run["usage"]
        t = tokens(usage)
        lines.append(
            f"| {run['size']} | {t['calls']} | {t['prompt']:,} | {t['cached']:,} | {t['completion']:,} "
            f"| {price(usage, table, model):.4f} |"
        )
    return [*lines, ""]


def _flood(run: dict[str, Any] | None, lifted: dict[str, Any] | None = None) -> list[str]:
    if not run:
        return []
    alone = []
    if lifted:
        alone = [
            f"With the limits lifted (the shard queues read round-robin alone) all {lifted['admitted']} flood sessions "
            f"were taken and queued ({lifted['max_depth']} jobs deep at most), and the other team's questions came "
            f"after {lifted['quiet_questions_s']:.2f} s: it waited for one flood job, not for the "
            f"{lifted['admitted']} ahead of it in time (one FIFO queue would have kept it about "
            f"{lifted['admitted'] * lifted['model_latency'] / lifted['workers']:.0f} s).",
            "",
        ]
    met = run["quiet_questions_s"] <= run["target_s"] and run["told"] >= 1 and run["admitted"] < run["mentions"]
    limits = ", ".join(f"`{name}`={value}" for name, value in run["limits"].items())
    return [
        "## Flood: one person against everyone else",
        "",
        f"One person sends {run['mentions']} mentions in {run['mentions']} threads over {run['channels']} channels "
        f"({run['flood_send_s']:.1f} s), then another team mentions the bot once. The model takes "
        f"{run['model_latency']:.1f} s a call; {run['workers']} workers; the bot's default limits ({limits}).",
        "",
        "| other team's questions after | target | flood taken | refused | flood's sender told | max queue depth |",
        "|---|---|---|---|---|---|",
        f"| {run['quiet_questions_s']:.2f} s | <= {run['target_s']:.1f} s | {run['admitted']} | {run['refused']} "
        f"| {run['told']}x | {run['max_depth']} |",
        "",
        f"Target met: **{'yes' if met else 'NO'}**. What the sender saw: _{run['told_text']}_",
        "",
        *alone,
    ]
