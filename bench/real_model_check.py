"""`make real-model-check`: the whole bot against a real OpenAI-compatible server on 127.0.0.1.

It starts redis-server, the Slack emulator, llama.cpp's server (llama-cpp-python's `llama_cpp.server`
and/or the C++ `llama-server`, built by scripts/real_model_setup.sh) with SmolLM2-135M-Instruct, and
the Procfile's real `web` and `worker` processes; then mentions the bot in fixture threads, answers its
questions with "ok", and asks for the spec. It passes when every trigger ends in a pinned
TECHNICAL_SPEC.md or one clear failure message within --limit seconds, no session is left active,
and the logs name each step of the structured-mode negotiation. A 135M model writes nonsense: this
checks the bot's handling of a real server, not spec quality.

    make real-model-check                        # both servers when built (scripts/real_model_setup.sh)
    make real-model-check ARGS="--server llama-cpp-python --threads csv-export"
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from bench.real_model_servers import API_KEY, MODEL_ALIAS, available, start_server
from bot.store.keys import session_key
from bot.store.sessions import ACTIVE_PHASES, Session
from tests.e2e.conftest import BOT_TOKEN, SIGNING_SECRET, bot_env, seed_people
from tests.e2e.helpers import bot_messages, questions_messages, spec_files
from tests.fakes.model import ModelEmulator, profiles
from tests.fakes.slack import SlackEmulator
from tests.support.processes import BotProcess, wait_http_ok
from tests.support.redis_server import RedisServer, free_port

REPO = Path(__file__).resolve().parent.parent
THREADS = REPO / "tests" / "fixtures" / "threads"
DEFAULT_THREADS = ("csv-export", "de-audit-log")
# What each server must show in the logs: the negotiation, step by step.
EXPECTED_STEPS = {
    "llama-cpp-python": ["model endpoint discovered", "structured mode rejected", "structured mode works"],
    "llama-server": ["model endpoint discovered", "structured mode works"],
    # The model emulator acting as llama_cpp.server: checks this script in seconds, without a build.
    "emulator": ["model endpoint discovered", "structured mode rejected", "structured mode works"],
}


@dataclass
class Trigger:
    """One thread the check mentions the bot in, and how it ended."""

    name: str
    channel: str
    root: str
    started: float
    answered: bool = False
    outcome: str = ""
    seconds: float = 0.0


@dataclass
class Report:
    """What one server's run showed."""

    server: str
    triggers: list[Trigger] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    steps: dict[str, bool] = field(default_factory=dict)
    stuck: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """Every trigger ended, nothing is stuck, every negotiation step is in the logs."""
        ended = all(t.outcome in ("pinned spec", "one failure message") for t in self.triggers)
        return ended and not self.stuck and all(self.steps.values())


def fixture_lines(name: str) -> list[tuple[str, str]]:
    """A fixture thread's messages as (user, text)."""
    data = json.loads((THREADS / f"{name}.json").read_text())
    return [(user, text) for user, text in data["messages"]]


def failure_messages(slack: SlackEmulator, t: Trigger) -> list[dict[str, Any]]:
    """The bot's failure messages in the thread."""
    return [m for m in bot_messages(slack, t.channel, t.root) if str(m.get("text", "")).startswith(":warning:")]


def advance(slack: SlackEmulator, t: Trigger) -> None:
    """Answer the questions once ("ok" accepts the suggestions, then a mention asks for the spec); note the end."""
    if spec_files(slack, t.channel, t.root) and any(
        ts in slack.pins(t.channel) for f in spec_files(slack, t.channel, t.root) for ts in _share_ts(f, t.channel)
    ):
        t.outcome = "pinned spec"
    elif failure_messages(slack, t):
        t.outcome = "one failure message" if len(failure_messages(slack, t)) == 1 else "several failure messages"
    elif not t.answered and questions_messages(slack, t.channel, t.root):
        slack.post_message(t.channel, "UANA", "ok", thread_ts=t.root)
        slack.post_message(t.channel, "UBOB", "<@UBOT> write the spec please", thread_ts=t.root)
        t.answered = True
    if t.outcome:
        t.seconds = round(time.monotonic() - t.started, 1)


def _share_ts(file: Any, channel: str) -> list[str]:
    shares = (file.shares or {}).get("public") or (file.shares or {}).get("private") or {}
    return [share["ts"] for share in shares.get(channel, [])]


def model_calls(log_text: str) -> list[dict[str, Any]]:
    """The "model call" lines of a process log (schema, mode, tokens, duration)."""
    calls = []
    for line in log_text.splitlines():
        if '"model call"' not in line and '"structured mode rejected"' not in line:
            continue
        try:
            call = json.loads(line)
        except ValueError:
            continue
        if call.get("event") == "structured mode rejected":
            call.update(schema="(refused)", finish_reason=f"HTTP {call.get('status')}")
        calls.append(call)
    return calls


def drive(slack: SlackEmulator, connection: redis.Redis, names: list[str], limit: float) -> list[Trigger]:
    """Mention the bot in each thread at once, and follow every trigger until it ends or the limit passes."""
    triggers = []
    for index, name in enumerate(names):
        channel = f"CREAL{index}"
        slack.add_channel(channel, f"real-{index}", members=["UANA", "UBOB", "UCAT", "UBOT"])
        root = design_thread_in(slack, channel, fixture_lines(name))
        slack.post_message(channel, "UANA", "<@UBOT> spec please", thread_ts=root)
        triggers.append(Trigger(name, channel, root, time.monotonic()))
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and any(not t.outcome for t in triggers):
        for t in triggers:
            if not t.outcome:
                advance(slack, t)
        time.sleep(0.5)
    for t in triggers:
        if not t.outcome:
            t.outcome, t.seconds = f"nothing within {limit:.0f} s", limit
    return triggers


def design_thread_in(slack: SlackEmulator, channel: str, lines: list[tuple[str, str]]) -> str:
    """Seed a thread as it was before anyone asked the bot (no events)."""
    root = slack.seed_message(channel, lines[0][0], lines[0][1])
    for user, text in lines[1:]:
        slack.seed_message(channel, user, text, thread_ts=root)
    return root


def stuck_sessions(connection: redis.Redis, triggers: list[Trigger], grace: float = 30.0) -> list[str]:
    """Threads whose session is still reading, waiting or writing once the run ended (after a grace period)."""
    deadline = time.monotonic() + grace
    while True:
        stuck = []
        for t in triggers:
            raw = connection.get(session_key("T0001", t.channel, t.root))
            if raw and Session.model_validate_json(raw).phase in ACTIVE_PHASES:
                stuck.append(t.name)
        if not stuck or time.monotonic() > deadline:
            return stuck
        time.sleep(0.5)


def bot_settings(server: str) -> dict[str, str]:
    """The bot's settings for a small local server: seeded, bounded, no stacked retries, one repair round."""
    settings = {
        "OPENAI_API_KEY": API_KEY,
        "OPENAI_MODEL": MODEL_ALIAS,
        "OPENAI_SEED": "42",
        "OPENAI_TEMPERATURE": "0.2",
        "OPENAI_TIMEOUT_SECONDS": "600",
        "OPENAI_MAX_RETRIES": "1",
        # 50-100 tokens/s on an idle 2-core machine, 1-3 under heavy load: lower these on a busy machine.
        "TECHSPEC_MAX_OUTPUT_TOKENS": os.environ.get("TECHSPEC_MAX_OUTPUT_TOKENS", "4096"),
        "TECHSPEC_CHECKLIST_REPAIR_ROUNDS": os.environ.get("TECHSPEC_CHECKLIST_REPAIR_ROUNDS", "1"),
        "TECHSPEC_JOB_TIMEOUT_SECONDS": "1800",
        "TECHSPEC_JOB_RETRY_INTERVALS": "[5]",
    }
    if server in ("llama-cpp-python", "emulator"):
        settings["TECHSPEC_CONTEXT_WINDOW"] = "8192"  # its metadata does not say: the setting does
    return settings


def check(server: str, names: list[str], limit: float) -> Report:
    """One server: start everything, drive the triggers, read the logs, stop everything."""
    report, started = Report(server), time.monotonic()
    redis_server = RedisServer().start()
    model = start_emulated() if server == "emulator" else start_server(server)
    slack = SlackEmulator(signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN, team_id="T0001", bot_user_id="UBOT")
    slack.start()
    seed_people(slack)
    port = free_port()
    env = {**bot_env(slack.api_url, model.base_url, redis_server.url, port), **bot_settings(server)}
    processes = [BotProcess("web", env).start(), BotProcess("worker", env).start()]
    connection = redis.Redis.from_url(redis_server.url)
    try:
        wait_http_ok(f"http://127.0.0.1:{port}/healthz", process=processes[0])
        slack.events_url = f"http://127.0.0.1:{port}/slack/events"
        report.triggers = drive(slack, connection, names, limit)
        report.stuck = stuck_sessions(connection, report.triggers)
        logs = "\n".join(p.output() for p in processes)
        report.calls = model_calls(logs)
        report.steps = {step: f'"{step}"' in logs for step in EXPECTED_STEPS[server]}
        keep = Path(os.environ.get("REAL_MODEL_LOGS", "/tmp")) / f"techspec-real-{server}.log"
        keep.write_text(logs + "\n--- server ---\n" + model.log_path.read_text(errors="replace"))
    finally:
        for process in processes:
            process.stop()
        slack.stop()
        model.stop()
        connection.close()
        redis_server.stop()
    report.seconds = round(time.monotonic() - started, 1)
    return report


class EmulatedServer:
    """The model emulator with llama_cpp.server's profile, shaped like a ServerRun."""

    def __init__(self) -> None:
        self.emulator = ModelEmulator(api_key=API_KEY, models=(MODEL_ALIAS,))
        self.emulator.profile = profiles.llama_cpp_python()
        self.emulator.start()
        self.base_url = self.emulator.base_url
        self.log_path = Path(os.devnull)

    def stop(self) -> None:
        """Stop the emulator."""
        self.emulator.stop()


def start_emulated() -> EmulatedServer:
    """An emulated llama_cpp.server (refuses json_schema with its 500, one slot, no metadata)."""
    return EmulatedServer()


def render(report: Report) -> str:
    """The report people read: outcome per trigger, negotiation steps, time per model call."""
    lines = [f"== {report.server}: {'PASS' if report.passed else 'FAIL'} in {report.seconds:.0f} s"]
    lines += [f"  trigger {t.name:<16} {t.outcome:<22} {t.seconds:>7.1f} s" for t in report.triggers]
    lines += [f"  step {'ok ' if seen else 'MISSING'} {step}" for step, seen in report.steps.items()]
    if report.stuck:
        lines.append(f"  stuck sessions: {', '.join(report.stuck)}")
    lines.append(f"  {'schema':<20} {'mode':<19} {'max_tok':>7} {'in':>6} {'out':>6} {'finish':<7} {'seconds':>8}")
    for c in report.calls:
        lines.append(
            f"  {c.get('schema', ''):<20} {c.get('mode', ''):<19} {c.get('max_tokens', 0):>7}"
            f" {c.get('prompt_tokens', 0):>6} {c.get('completion_tokens', 0):>6} {str(c.get('finish_reason')):<7}"
            f" {c.get('duration_ms', 0) / 1000:>8.1f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Build (or reuse) the servers, run the check against each, print the reports; 1 if any failed."""
    parser = argparse.ArgumentParser(prog="make real-model-check", description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=["llama-cpp-python", "llama-server", "both", "emulator"], default="both")
    parser.add_argument("--threads", nargs="+", default=list(DEFAULT_THREADS), help="fixture thread names")
    parser.add_argument("--limit", type=float, default=2400.0, help="seconds each trigger may take (default 2400)")
    parser.add_argument("--no-build", action="store_true", help="use the cache as it is")
    args = parser.parse_args(argv)
    # A SIGTERM (CI's stop, a kill) must still stop the servers and processes this started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not args.no_build and args.server != "emulator":
        which = {"llama-cpp-python": "python", "llama-server": "cpp", "both": "all"}[args.server]
        subprocess.run(["bash", str(REPO / "scripts" / "real_model_setup.sh"), which], check=True)
    servers = ["llama-cpp-python", "llama-server"] if args.server == "both" else [args.server]
    reports = [check(s, args.threads, args.limit) for s in servers if s == "emulator" or available(s)]
    for report in reports:
        print(render(report), flush=True)
    if not reports:
        print("no server built: run scripts/real_model_setup.sh", file=sys.stderr)
    return 0 if reports and all(r.passed for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
