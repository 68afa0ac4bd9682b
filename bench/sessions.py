"""Whole sessions through the real processes: overhead by thread size, Slack calls, Redis, memory, tokens."""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from bench.instrument import Span, union_seconds
from bench.stack import BenchStack, RssSampler
from tests.support.waiting import wait_until

WORDS = (
    "export queue postgres retention latency shard cache webhook retry idempotent schema migration tenant "
    "quota backfill index partition rollout canary feature flag dashboard csv s3 signed url celery worker "
    "timeout pagination cursor audit gdpr encryption kms replica failover alert slo p99 budget"
).split()
_channels = count(1)


@dataclass
class SessionRun:
    """One session's measurements."""

    size: int
    authors: int
    wall: float
    job: float
    model_wait: float
    slack_wait: float
    job_model_wait: float
    job_slack_wait: float
    slack_calls: dict[str, int]
    redis_commands: int
    redis_by_command: dict[str, int]
    usage: list[dict[str, Any]] = field(default_factory=list)
    rate_limited: int = 0
    attempt: int = 0
    rss: dict[str, int] = field(default_factory=dict)
    rss_group: dict[str, int] = field(default_factory=dict)

    @property
    def overhead(self) -> float:
        """Seconds from the mention to the final status that were not spent waiting on Slack or the model."""
        return self.wall - union_wait(self)

    @property
    def job_overhead(self) -> float:
        """The same, inside the worker's job only."""
        return self.job - self.job_model_wait - self.job_slack_wait


def union_wait(run: SessionRun) -> float:
    """Model and Slack waits never overlap within one session (one job does one call at a time)."""
    return run.model_wait + run.slack_wait


def seed_thread(stack: BenchStack, channel: str, size: int, authors: list[str], rng: random.Random) -> str:
    """A thread of `size` messages (root included) by the given authors, seeded without events."""
    root = stack.slack.seed_message(channel, authors[0], _sentence(rng, 0))
    for index in range(1, size):
        stack.slack.seed_message(channel, authors[index % len(authors)], _sentence(rng, index), thread_ts=root)
    return root


def _sentence(rng: random.Random, index: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 30))
    return f"Point {index}: " + " ".join(words) + "."


def add_authors(stack: BenchStack, prefix: str, number: int) -> list[str]:
    """Create `number` people (new ids, so their names are not cached yet)."""
    ids = [f"U{prefix}{i:03d}" for i in range(number)]
    for user_id in ids:
        stack.slack.add_user(user_id, user_id.lower(), real_name=f"Person {user_id}", display_name=user_id[-4:])
    return ids


def new_channel(stack: BenchStack, members: list[str]) -> str:
    """A channel the bot is in."""
    channel = f"CB{next(_channels):05d}"
    stack.slack.add_channel(channel, channel.lower(), members=[*members[:5], "UBOT"])
    return channel


def run_one(stack: BenchStack, channel: str, root: str, timeout: float = 180) -> SessionRun:
    """Mention the bot in the thread and measure the session until its final "Done" status."""
    idle_before = stack.command_counts()
    time.sleep(1.0)
    idle_rate = sum((stack.command_counts() - idle_before).values()) - 1  # commands/s with nothing to do
    done_before = len(stack.step_logs("read"))
    before = stack.command_counts()
    started = time.time()
    stack.slack.post_message(channel, "UANA", "<@UBOT> please write this up", thread_ts=root)
    wait_until(lambda: _finished(stack, done_before), timeout, message="session job finished")
    step = stack.step_logs("read")[-1]
    wait_until(lambda: _final_status_at(stack, started) is not None, 30, message="final status")
    ended = _final_status_at(stack, started) or time.time()
    wall = ended - started
    delta = stack.command_counts() - before
    delta["info"] = 0
    redis_total = max(0, sum(delta.values()) - round(idle_rate * (time.time() - started)))
    job_end = float(step["ts"])
    job_start = job_end - float(step["duration_ms"]) / 1000
    spans = stack.spans.between(started, ended)
    # Slack shares an uploaded file asynchronously (the emulator after share_delay): that wait is Slack's.
    spans += [
        Span("slack", "(file share)", s.end, s.end + stack.slack.share_delay)
        for s in spans
        if s.method == "files.completeUploadExternal"
    ]
    job_spans = [s for s in spans if job_start <= s.start <= job_end]
    return SessionRun(
        size=0,
        authors=0,
        wall=wall,
        job=job_end - job_start,
        model_wait=union_seconds([s for s in spans if s.kind == "model"], started, ended),
        slack_wait=union_seconds([s for s in spans if s.kind == "slack"], started, ended),
        job_model_wait=union_seconds([s for s in job_spans if s.kind == "model"], job_start, job_end),
        job_slack_wait=union_seconds([s for s in job_spans if s.kind == "slack"], job_start, job_end),
        slack_calls=dict(Counter(s.method for s in spans if s.kind == "slack" and not s.method.startswith("("))),
        redis_commands=redis_total,
        redis_by_command=dict(+delta),
        usage=[{"schema": s.method, **s.usage} for s in spans if s.kind == "model" and s.usage],
        rate_limited=sum(1 for s in spans if s.kind == "slack" and s.status == 429),
    )


def _finished(stack: BenchStack, done_before: int) -> bool:
    """True once the session's job logged its end; raises at once when a job crashed."""
    for worker in stack.workers:
        if "exception raised while executing" in worker.output():
            raise RuntimeError(f"a job crashed; see {worker.log.name}")
    return len(stack.step_logs("read")) > done_before


def _final_status_at(stack: BenchStack, after: float) -> float | None:
    """When the last chat.update of a session ("Done") was answered."""
    for span in reversed(stack.spans.between(after, time.time() + 1, "slack")):
        if span.method == "pins.add":
            later = [s for s in stack.spans.between(span.end, time.time() + 1, "slack") if s.method == "chat.update"]
            return later[-1].end if later else None
    return None


def overhead_by_size(stack: BenchStack, sizes: list[int], repeat_second: bool = True) -> list[SessionRun]:
    """For each size: a session on a thread by new authors, then one by the same (cached) authors."""
    rng = random.Random(42)
    runs: list[SessionRun] = []
    for size in sizes:
        authors = add_authors(stack, f"S{size}", min(size, 40))
        for attempt in range(2 if repeat_second else 1):
            channel = new_channel(stack, authors)
            root = seed_thread(stack, channel, size, authors, rng)
            sampler_groups = {"web": stack.web.process.pid, "worker": stack.workers[0].process.pid}  # type: ignore[union-attr]
            with RssSampler(sampler_groups) as rss:
                run = run_one(stack, channel, root)
            run.size, run.authors, run.attempt = size, len(authors), attempt
            run.rss, run.rss_group = dict(rss.peak_process), dict(rss.peak_group)
            runs.append(run)
    return runs
