"""Profile one whole session inline (pyinstrument): the job code the worker runs, on a big thread.

python -m bench.profile [--size 5000]    # writes bench/results/profile-<size>.txt and .html
"""

from __future__ import annotations

import argparse
import os
import random
import time

from bench.plots import RESULTS
from bench.sessions import add_authors, new_channel, seed_thread
from bench.stack import BenchStack


def profile_session(size: int, slack_latency: float = 0.0) -> str:
    """Run bot.flow.jobs.run_session in this process under pyinstrument; return the text report."""
    from pyinstrument import Profiler

    stack = BenchStack().start()
    try:
        stack.slack.latency = slack_latency
        os.environ.update(stack.env)
        from bot.config import load_settings
        from bot.flow.jobs import JOBS, run_session
        from bot.store.sessions import Session
        from bot.wiring import build_runtime, connect_redis, set_runtime

        settings = load_settings("worker")
        assert settings.redis_url
        rt = build_runtime(settings, connect_redis(settings.redis_url), JOBS)
        set_runtime(rt)
        from bot.run.warmup import warm_worker

        warm_worker(rt)  # what the worker process does before forking its first job
        authors = add_authors(stack, "P", 40)
        channel = new_channel(stack, authors)
        root = seed_thread(stack, channel, size, authors, random.Random(1))
        trigger = stack.slack.post_message(channel, "UANA", "please", thread_ts=root, deliver=False)
        session = Session(team_id="T0001", channel_id=channel, thread_ts=root, requested_by="UANA", trigger_ts=trigger)
        rt.store.create(session)
        profiler = Profiler(interval=0.001)
        started = time.perf_counter()
        with profiler:
            run_session(session.key)
        elapsed = time.perf_counter() - started
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"profile-{size}.html").write_text(profiler.output_html())
        text = profiler.output_text(unicode=False, color=False, show_all=False)
        (RESULTS / f"profile-{size}.txt").write_text(text)
        print(f"session of {size} messages inline: {elapsed:.2f}s")
        return text
    finally:
        stack.stop()


def main() -> int:
    """Command line entry."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--size", type=int, default=5000)
    args = parser.parse_args()
    print(profile_session(args.size))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
