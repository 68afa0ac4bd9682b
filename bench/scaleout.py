"""Scale-out: sessions completed per minute with 1, 2 and 4 workers while the model takes 2 s a call."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from bench.sessions import add_authors, new_channel, seed_thread
from bench.stack import BenchStack
from tests.support.waiting import wait_until


@dataclass
class ScaleRun:
    """Throughput with one number of workers."""

    workers: int
    sessions: int
    seconds: float
    per_minute: float
    rate_limited: int
    post_messages: int
    max_posts_per_channel_second: int
    model_calls_per_session: float = 0.0

    @property
    def model_bound(self) -> float:
        """Sessions a minute if the bot added nothing: workers x 60 s / (model calls x 2 s)."""
        return self.workers * 60 / (max(self.model_calls_per_session, 1.0) * 2.0)


def scale_out(
    stack: BenchStack, worker_counts: list[int], per_worker: int, channels: int = 4, size: int = 50
) -> list[ScaleRun]:
    """Fire `per_worker` x workers mentions at once (threads spread over a few channels) and time the drain."""
    rng = random.Random(9)
    authors = add_authors(stack, "SC", 10)
    stack.model.latency = 2.0
    stack.limit.enabled = True
    results = []
    try:
        for workers in worker_counts:
            stack.set_workers(workers)
            rooms = [new_channel(stack, authors) for _ in range(channels)]
            threads = [
                (rooms[i % channels], seed_thread(stack, rooms[i % channels], size, authors, rng))
                for i in range(per_worker * workers)
            ]
            done_before = len(stack.step_logs("read"))
            started = time.time()
            for channel, root in threads:
                stack.slack.post_message(channel, "UANA", "<@UBOT> spec please", thread_ts=root, deliver=True)
            expected = done_before + len(threads)
            wait_until(
                lambda: len(stack.step_logs("read")) >= expected,  # noqa: B023 - used at once, in this iteration
                60 + 10 * per_worker,
                message=f"{len(threads)} sessions with {workers} workers",
            )
            seconds = time.time() - started
            spans = [s for s in stack.spans.between(started, time.time(), "slack")]
            posts = [s for s in spans if s.method == "chat.postMessage" and s.status == 200]
            per_second = _max_per_channel_second(posts)
            results.append(
                ScaleRun(
                    workers=workers,
                    sessions=len(threads),
                    seconds=seconds,
                    per_minute=len(threads) / seconds * 60,
                    rate_limited=sum(1 for s in spans if s.status == 429),
                    post_messages=len(posts),
                    max_posts_per_channel_second=per_second,
                    model_calls_per_session=len(stack.spans.between(started, time.time(), "model")) / len(threads),
                )
            )
    finally:
        stack.model.latency = 0.0
        stack.limit.enabled = False
    return results


def _max_per_channel_second(posts: list) -> int:  # type: ignore[type-arg]
    """The most successful chat.postMessage calls one channel got within any one-second window."""
    worst = 0
    by_channel: dict[str, list[float]] = {}
    for span in posts:
        by_channel.setdefault(span.channel, []).append(span.end)
    for times in by_channel.values():
        times.sort()
        start = 0
        for end in range(len(times)):
            while times[end] - times[start] >= 1.0:
                start += 1
            worst = max(worst, end - start + 1)
    return worst
