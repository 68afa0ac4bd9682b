"""Ack latency: signed event deliveries at fixed concurrency to one web process (asyncio, keep-alive)."""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass
from typing import Any

from slack_sdk.signature import SignatureVerifier

from bench.stack import BenchStack
from tests.e2e.conftest import SIGNING_SECRET


@dataclass
class AckResult:
    """Latencies (seconds) and failures of one run."""

    latencies: list[float]
    errors: int
    non_2xx: int
    wall: float
    redis_commands: int
    redis_reads_of_sessions: int
    redis_by_command: dict[str, int]

    def percentile(self, q: float) -> float:
        """The q-th percentile in ms (nearest rank)."""
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))] * 1000


def _event(index: int) -> dict[str, Any]:
    """Channel chatter unrelated to any session: top-level messages, thread replies, reactions."""
    channel = f"CACK{index % 20}"
    ts = f"{1_700_000_000 + index}.{index % 1_000_000:06d}"
    kind = index % 10
    if kind < 5:
        event: dict[str, Any] = {"type": "message", "channel": channel, "user": "UANA", "text": f"chatter {index}"}
    elif kind < 9:
        event = {"type": "message", "channel": channel, "user": "UBOB", "text": f"reply {index}"}
        event["thread_ts"] = f"{1_600_000_000 + index % 50}.000100"
    else:
        event = {"type": "reaction_added", "user": "UANA", "reaction": "+1"}
        event["item"] = {"type": "message", "channel": channel, "ts": "1600000000.000100"}
    event.update(ts=ts, event_ts=ts, channel_type="channel")
    return {
        "token": "legacy",
        "team_id": "T0001",
        "api_app_id": "A0TECHSPEC",
        "event": event,
        "type": "event_callback",
        "event_id": f"EvBENCH{index:06d}",
        "event_time": 1_700_000_000 + index,
        "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True}],
    }


def _requests(count: int, port: int) -> list[bytes]:
    """Signed raw HTTP requests, built before the clock starts."""
    verifier = SignatureVerifier(SIGNING_SECRET)
    built = []
    for index in range(count):
        body = json.dumps(_event(index)).encode()
        stamp = str(int(time.time()))
        signature = verifier.generate_signature(timestamp=stamp, body=body.decode())
        head = (
            f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nX-Slack-Request-Timestamp: {stamp}\r\n"
            f"X-Slack-Signature: {signature}\r\nUser-Agent: Slackbot 1.0\r\n\r\n"
        )
        built.append(head.encode() + body)
    random.Random(7).shuffle(built)
    return built


async def _client(port: int, queue: asyncio.Queue[bytes], latencies: list[float], failures: list[str]) -> None:
    reader = writer = None
    while True:
        try:
            request = queue.get_nowait()
        except asyncio.QueueEmpty:
            break
        for _attempt in range(2):  # a keep-alive connection the server closed is reopened once
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                started = time.perf_counter()
                writer.write(request)
                assert reader is not None
                status, close = await _read_response(reader)
                latencies.append(time.perf_counter() - started)
                if not 200 <= status < 300:
                    failures.append(f"http {status}")
                if close:
                    writer.close()
                    reader = writer = None
                break
            except (OSError, asyncio.IncompleteReadError) as exc:
                reader = writer = None
                if _attempt == 1:
                    failures.append(f"error {type(exc).__name__}")
    if writer is not None:
        writer.close()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    length = int(headers.get("content-length", "0"))
    if length:
        await reader.readexactly(length)
    return status, headers.get("connection", "").lower() == "close"


async def _run(port: int, requests: list[bytes], concurrency: int) -> tuple[list[float], list[str]]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    latencies: list[float] = []
    failures: list[str] = []
    await asyncio.gather(*(_client(port, queue, latencies, failures) for _ in range(concurrency)))
    return latencies, failures


def measure_ack(stack: BenchStack, count: int = 2000, concurrency: int = 50) -> AckResult:
    """Deliver `count` signed events at `concurrency` and report latency, failures and Redis cost."""
    requests = _requests(count, stack.port)
    asyncio.run(_run(stack.port, requests[:100], 10))  # warm-up: first auth.test, thread pools
    time.sleep(1.0)
    before = stack.command_counts()
    started = time.perf_counter()
    latencies, failures = asyncio.run(_run(stack.port, requests, concurrency))
    wall = time.perf_counter() - started
    time.sleep(1.5)  # listeners run after the ack; let them finish before counting Redis commands
    delta = stack.command_counts() - before
    delta["info"] = 0
    return AckResult(
        latencies=latencies,
        errors=sum(1 for f in failures if f.startswith("error")),
        non_2xx=sum(1 for f in failures if f.startswith("http")),
        wall=wall,
        redis_commands=sum(delta.values()),
        redis_reads_of_sessions=sum(delta[c] for c in ("get", "mget", "hget", "hgetall", "exists")),
        redis_by_command=dict(+delta),
    )
