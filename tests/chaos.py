"""Chaos run: N concurrent sessions while workers are SIGKILLed, Redis is frozen (SIGSTOP) now and then,
and model/Slack faults are injected.

Every session must end with exactly one pinned TECHNICAL_SPEC.md or one clear failure message, never
both, never two of anything. Run it with `make chaos` (or `python -m tests.chaos --sessions 20`).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field

from tests.e2e.conftest import Stack, running_stack
from tests.e2e.helpers import design_thread, questions_messages, spec_files, status_text
from tests.support.processes import BotProcess
from tests.support.redis_server import RedisServer

CLEAR = {"thread_is_clear": True, "title": "Chaos", "language": "English", "questions": []}


@dataclass
class Thread:
    """One design thread under test and what happened to it."""

    channel: str
    root: str
    started: float
    ended: float | None = None
    outcome: str = "pending"
    notes: list[str] = field(default_factory=list)


def settle(stack: Stack, thread: Thread) -> str:
    """'spec', 'failed', 'questions' or 'pending' from what a person sees in the thread."""
    files = spec_files(stack.slack, thread.channel, thread.root)
    pinned = [f for f in files if _share_ts(f, thread.channel) in stack.slack.pins(thread.channel)]
    status = status_text(stack, thread.channel, thread.root)
    if pinned and "Done" in status:
        return "spec"
    if "couldn't" in status and not files:
        return "failed"
    if questions_messages(stack.slack, thread.channel, thread.root) and "Waiting for answers" in status:
        return "questions"
    return "pending"


def _share_ts(file: object, channel: str) -> str | None:
    shares = getattr(file, "shares", None) or {}
    entries = (shares.get("public") or shares.get("private") or {}).get(channel) or []
    return entries[0]["ts"] if entries else None


def killer(stack: Stack, stop: threading.Event, every: float, kills: list[float]) -> None:
    """SIGKILL a random worker every few seconds and start a replacement, until stopped."""
    rng = random.Random(7)
    while not stop.wait(rng.uniform(every * 0.5, every * 1.5)):
        index = rng.choice([i for i, p in enumerate(stack.processes) if p.kind == "worker"])
        stack.processes[index].kill(signal.SIGKILL)
        kills.append(time.monotonic())
        stack.processes[index] = BotProcess("worker", stack.env).start()


def freezer(server: RedisServer, stop: threading.Event, stalls: int, longest: float, frozen: list[float]) -> None:
    """Freeze Redis (SIGSTOP: clients time out, nothing is refused) `stalls` times for up to `longest` s each."""
    rng = random.Random(11)
    for _ in range(stalls):
        if stop.wait(rng.uniform(4.0, 10.0)) or server.process is None:
            return
        seconds = rng.uniform(longest / 3, longest)
        os.kill(server.process.pid, signal.SIGSTOP)
        try:
            stop.wait(seconds)
        finally:
            os.kill(server.process.pid, signal.SIGCONT)
        frozen.append(seconds)


def inject_faults(stack: Stack, rng: random.Random, sessions: int) -> dict[str, int]:
    """Queue model and Slack faults spread over the run; returns how many of each."""
    faults = {"model 500": sessions // 4, "model invalid_json": sessions // 5, "slack 429": sessions // 4}
    stack.model.fault("500", count=faults["model 500"], retry_after=0.1)
    stack.model.fault("invalid_json", schema_name="TechnicalSpecDraft", count=faults["model invalid_json"])
    for method in rng.sample(["chat.postMessage", "chat.update", "pins.add", "conversations.replies"], 3):
        stack.slack.fail_next(method, http_status=429, retry_after=1, count=max(1, faults["slack 429"] // 3))
    return faults


def drive(stack: Stack, threads: list[Thread], deadline: float) -> None:
    """Act like the people: answer questions and ask again; retry once after a failure message."""
    retried: set[str] = set()
    asked: dict[str, float] = {}
    while time.monotonic() < deadline:
        pending = 0
        for thread in threads:
            if thread.outcome in ("spec",):
                continue
            state = settle(stack, thread)
            if state == "questions" and "answered" not in thread.notes:
                thread.notes.append("answered")
                asked[thread.root] = time.monotonic()
                stack.slack.post_message(thread.channel, "UBOB", "1. Postgres\n2. 200 ms p99", thread_ts=thread.root)
                stack.slack.post_message(thread.channel, "UANA", "<@UBOT> go ahead", thread_ts=thread.root)
            elif state == "questions" and time.monotonic() - asked.get(thread.root, 0.0) > 20:
                # The go-ahead came while Redis was frozen (the bot said "try again in a minute"): again.
                asked[thread.root] = time.monotonic()
                stack.slack.post_message(thread.channel, "UANA", "<@UBOT> go ahead now", thread_ts=thread.root)
            elif state == "failed" and thread.root not in retried:
                retried.add(thread.root)
                thread.notes.append("retried after failure")
                stack.slack.post_message(thread.channel, "UANA", "<@UBOT> try again", thread_ts=thread.root)
            elif state in ("spec", "failed") and (state == "spec" or thread.root in retried):
                thread.outcome, thread.ended = state, thread.ended or time.monotonic()
            if thread.outcome not in ("spec", "failed"):
                pending += 1
        if not pending:
            return
        time.sleep(0.25)


def verdict(stack: Stack, threads: list[Thread]) -> list[str]:
    """Problems found: duplicates of anything, or a thread that ended in neither state."""
    problems = []
    for thread in threads:
        files = spec_files(stack.slack, thread.channel, thread.root)
        questions = questions_messages(stack.slack, thread.channel, thread.root)
        if thread.outcome not in ("spec", "failed"):
            problems.append(
                f"{thread.channel}: ended {thread.outcome!r} ({status_text(stack, thread.channel, thread.root)!r})"
            )
        if len(files) > 1:
            problems.append(f"{thread.channel}: {len(files)} spec files")
        if len(questions) > 1:
            problems.append(f"{thread.channel}: {len(questions)} questions messages")
        if thread.outcome == "failed" and files:
            problems.append(f"{thread.channel}: failure message and a spec")
    return problems


def run(sessions: int, workers: int, kill_every: float, timeout: float, seed: int, stalls: int, longest: float) -> int:
    """Run the chaos scenario and print a summary; exit status 0 when every session ended cleanly."""
    rng = random.Random(seed)
    server = RedisServer().start()
    try:
        with running_stack(server.url, TECHSPEC_SHARE_POLL_SECONDS="5") as stack:
            for _ in range(workers - 1):
                stack.processes.append(BotProcess("worker", stack.env).start())
            stack.model.latency = 0.5  # so kills land while calls are in flight
            threads = [
                Thread(channel=(c := stack.new_channel()), root=design_thread(stack, c), started=0.0)
                for _ in range(sessions)
            ]
            for _ in threads:
                if rng.random() < 0.5:
                    stack.model.script("ClarifyResult", CLEAR)
            faults = inject_faults(stack, rng, sessions)
            stop, kills, frozen = threading.Event(), [], []
            chaos = threading.Thread(target=killer, args=(stack, stop, kill_every, kills), daemon=True)
            freezing = threading.Thread(target=freezer, args=(server, stop, stalls, longest, frozen), daemon=True)
            began = time.monotonic()
            for thread in threads:
                thread.started = time.monotonic()
                threading.Thread(
                    target=stack.slack.post_message,
                    args=(thread.channel, "UANA", "<@UBOT> write the spec"),
                    kwargs={"thread_ts": thread.root},
                    daemon=True,
                ).start()
            chaos.start()
            freezing.start()
            drive(stack, threads, began + timeout * 0.6)
            stop.set()
            chaos.join()
            freezing.join()
            faults["redis stalls"] = len(frozen)
            faults["redis frozen s"] = round(sum(frozen))
            dead = [p.kind for p in stack.processes if p.process is None or p.process.poll() is not None]
            faults["processes dead after stalls"] = len(dead)
            drive(stack, threads, began + timeout)
            problems = verdict(stack, threads) + [f"a {kind} process died" for kind in dead]
            report(threads, faults, kills, problems, time.monotonic() - began, workers)
            return 1 if problems else 0
    finally:
        server.close()


def report(
    threads: list[Thread], faults: dict[str, int], kills: list[float], problems: list[str], elapsed: float, workers: int
) -> None:
    """Print the summary quoted in closing notes."""
    specs = [t for t in threads if t.outcome == "spec"]
    failed = [t for t in threads if t.outcome == "failed"]
    durations = sorted((t.ended or 0) - t.started for t in specs)
    print(f"chaos: {len(threads)} sessions, {workers} workers, {len(kills)} worker SIGKILLs, faults {faults}")
    print(
        f"chaos: {len(specs)} ended with exactly one pinned spec, {len(failed)} with one clear failure message, "
        f"{len(threads) - len(specs) - len(failed)} other"
    )
    if durations:
        print(
            f"chaos: time to spec p50 {statistics.median(durations):.1f} s, max {durations[-1]:.1f} s; "
            f"run took {elapsed:.0f} s"
        )
    print(f"chaos: problems: {len(problems)}")
    for problem in problems:
        print(f"  - {problem}")


def main() -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill-every", type=float, default=4.0, help="mean seconds between worker SIGKILLs")
    parser.add_argument("--timeout", type=float, default=150.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stalls", type=int, default=3, help="how many times Redis is frozen (SIGSTOP)")
    parser.add_argument("--stall-seconds", type=float, default=15.0, help="longest freeze")
    args = parser.parse_args()
    return run(args.sessions, args.workers, args.kill_every, args.timeout, args.seed, args.stalls, args.stall_seconds)


if __name__ == "__main__":
    sys.exit(main())
