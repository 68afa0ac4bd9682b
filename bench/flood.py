"""Flood: one person sends 60 mentions over 3 channels, then another team mentions once.

The web process runs with the bot's default fair-use limits (the other parts lift them, as the tests
do), 4 workers, and a model that takes `latency` seconds a call. Measured: when the other team's
questions appear, how many of the flood's sessions were taken, refused and told, and the queue's depth.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any, cast

from bench.sessions import add_authors, new_channel, seed_thread
from bench.stack import BenchStack
from bot.config import Settings
from bot.store.keys import session_key
from tests.e2e.conftest import UNLIMITED
from tests.e2e.helpers import questions_messages
from tests.support.processes import BotProcess, wait_http_ok
from tests.support.waiting import wait_until

FLOOD_USER = "UFLOOD"
QUIET_USER = "UQUIET"
_runs = iter(range(1, 1000))


@dataclass
class FloodRun:
    """What the flood did to everyone else, and what its sender was told."""

    mentions: int
    channels: int
    workers: int
    model_latency: float
    quiet_questions_s: float
    admitted: int
    refused: int
    told: int
    told_text: str
    max_depth: int
    flood_send_s: float
    limits: dict[str, Any] = field(default_factory=dict)
    lifted: bool = False  # the limits lifted: what the round-robin shard queues do on their own

    @property
    def target_s(self) -> float:
        """The promise: the other team's questions within the model's latency plus 2 s."""
        return self.model_latency + 2.0


def with_default_limits(stack: BenchStack) -> None:
    """Restart the web process with the bot's own fair-use defaults (the bench's env lifts them)."""
    for name in UNLIMITED:
        stack.env.pop(name, None)
    if stack.web is not None:
        stack.web.stop()
    stack.web = BotProcess("web", stack.env).start()
    wait_http_ok(f"http://127.0.0.1:{stack.port}/healthz", process=stack.web)


def depth(stack: BenchStack) -> int:
    """Jobs waiting on every queue the workers read."""
    names = cast(list[bytes], stack.redis.keys("rq:queue:techspec*"))
    return sum(cast(int, stack.redis.llen(name)) for name in names)


def flood(
    stack: BenchStack,
    mentions: int = 60,
    channels: int = 3,
    workers: int = 4,
    latency: float = 2.0,
    lifted: bool = False,
) -> FloodRun:
    """Run the scenario once and measure it (lifted: with the limits lifted, as the bench's web starts)."""
    if not lifted:
        with_default_limits(stack)
    stack.set_workers(workers)
    wait_until(lambda: depth(stack) == 0, 120, message="an empty queue before the flood")
    stack.model.responder = None  # questions, as a real thread would get
    stack.model.latency = latency
    run = next(_runs)
    flood_user, quiet_user = f"{FLOOD_USER}{run}", f"{QUIET_USER}{run}"
    people = add_authors(stack, f"FL{run}", 3) + [flood_user, quiet_user]
    for user_id in (flood_user, quiet_user):
        stack.slack.add_user(user_id, user_id.lower(), real_name=user_id)
    rooms = [new_channel(stack, [flood_user, *people[:3]]) for _ in range(channels)]
    rng = random.Random(13)
    threads = [
        (rooms[i % channels], seed_thread(stack, rooms[i % channels], 6, people[:3], rng)) for i in range(mentions)
    ]
    quiet_room = new_channel(stack, [quiet_user, *people[:3]])
    quiet_root = seed_thread(stack, quiet_room, 6, people[:3], rng)
    told_before = len(stack.slack.ephemerals)
    try:
        began = time.time()
        for channel, root in threads:
            stack.slack.post_message(channel, flood_user, "<@UBOT> spec this", thread_ts=root, deliver=True)
        sent = time.time()
        stack.slack.post_message(quiet_room, quiet_user, "<@UBOT> spec please", thread_ts=quiet_root, deliver=True)
        max_depth = 0

        def quiet_questions() -> bool:
            nonlocal max_depth
            max_depth = max(max_depth, depth(stack))
            return bool(questions_messages(stack.slack, quiet_room, quiet_root))

        wait_until(quiet_questions, 120, interval=0.02, message="the quiet team's questions")
        quiet_s = time.time() - sent
    finally:
        stack.model.latency = 0.0
    admitted = sum(1 for c, r in threads if stack.redis.exists(session_key("T0001", c, r)))
    told = [e for e in stack.slack.ephemerals[told_before:] if e["user"] == flood_user]
    return FloodRun(
        mentions=mentions,
        channels=channels,
        workers=workers,
        model_latency=latency,
        quiet_questions_s=quiet_s,
        admitted=admitted,
        refused=mentions - admitted,
        told=len(told),
        told_text=told[0]["text"] if told else "",
        max_depth=max_depth,
        flood_send_s=sent - began,
        limits={name: (stack.env.get(name) or Settings.model_fields[name.lower()].default) for name in UNLIMITED},
        lifted=lifted,
    )


def flood_line(run: FloodRun) -> str:
    """The figures on one line, for the console."""
    met = (
        "met" if run.quiet_questions_s <= run.target_s and run.told >= 1 and run.admitted < run.mentions else "NOT met"
    )
    name = "flood"
    if run.lifted:
        met, name = "limits lifted: shard queues alone", "flood (limits lifted)"
    return (
        f"{name}: {run.mentions} mentions by one person over {run.channels} channels in {run.flood_send_s:.1f} s, "
        f"then one by another team; model {run.model_latency:.1f} s/call, {run.workers} workers. "
        f"Other team's questions after {run.quiet_questions_s:.2f} s (target <= {run.target_s:.1f} s: {met}). "
        f"Flood: {run.admitted} taken, {run.refused} refused, told {run.told}x privately; "
        f"max queue depth {run.max_depth}."
    )
