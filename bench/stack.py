"""The bench's own stack: redis-server, both emulators (timed), one web and N worker processes."""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from bench.instrument import ChannelRateLimit, SpanLog, TimedModel, tap_slack
from tests.e2e.conftest import BOT_TOKEN, MODEL_KEY, SIGNING_SECRET, bot_env
from tests.fakes.slack import SlackEmulator
from tests.support.processes import BotProcess, wait_http_ok
from tests.support.redis_server import RedisServer, free_port

CLEAR = {"thread_is_clear": True, "title": "Bench spec", "language": "English", "questions": []}


def clear_responder(schema: str | None, body: dict[str, Any]) -> dict[str, Any] | None:
    """Every thread is clear, so one job reads, clarifies, writes, uploads and pins (a whole session)."""
    return CLEAR if schema == "ClarifyResult" else None


@dataclass
class BenchStack:
    """Everything the scenarios drive and measure."""

    spans: SpanLog = field(default_factory=SpanLog)
    limit: ChannelRateLimit = field(default_factory=ChannelRateLimit)
    redis_server: RedisServer = field(default_factory=RedisServer)
    web: BotProcess | None = None
    workers: list[BotProcess] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)

    def start(self) -> BenchStack:
        """Start redis-server and the emulators, then the web process."""
        tap_slack(self.spans, self.limit)
        self.redis_server.start()
        self.redis = redis.Redis.from_url(self.redis_server.url)
        self.slack = SlackEmulator(signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN, bot_user_id="UBOT")
        self.slack.start()
        self.model = TimedModel(self.spans, api_key=MODEL_KEY)
        self.model.responder = clear_responder
        self.model.start()
        self.port = free_port()
        self.env = bot_env(self.slack.api_url, self.model.base_url, self.redis_server.url, self.port)
        # Production-like settings rather than the tests' short timings.
        # The web's process and thread counts are the bot's own defaults unless the caller sets them.
        self.env.pop("TECHSPEC_WEB_WORKERS", None)
        self.env.update({k: os.environ[k] for k in ("TECHSPEC_WEB_WORKERS", "TECHSPEC_WEB_THREADS") if k in os.environ})
        self.env.update(
            TECHSPEC_SHARE_POLL_SECONDS="20",
            TECHSPEC_WORKER_MONITORING_INTERVAL="10",
            TECHSPEC_WORKER_MAINTENANCE_INTERVAL="30",
            OPENAI_TIMEOUT_SECONDS="60",
            PYTHONUNBUFFERED="1",
        )
        self.env.update(self.extra_env)
        self.web = BotProcess("web", self.env).start()
        wait_http_ok(f"http://127.0.0.1:{self.port}/healthz", process=self.web)
        self.slack.events_url = f"http://127.0.0.1:{self.port}/slack/events"
        return self

    def set_workers(self, count: int) -> None:
        """Run exactly `count` worker processes (stopping or starting some)."""
        while len(self.workers) > count:
            self.workers.pop().stop()
        while len(self.workers) < count:
            self.workers.append(BotProcess("worker", self.env).start())
        deadline = time.monotonic() + 30
        while len(self.redis.smembers("rq:workers:techspec")) < count:  # type: ignore[arg-type]
            if time.monotonic() > deadline:
                raise RuntimeError("workers did not register:\n" + self.workers[-1].output()[-3000:])
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop everything this stack started."""
        for process in [*self.workers, *([self.web] if self.web else [])]:
            process.stop()
        self.slack.stop()
        self.model.stop()
        self.redis_server.stop()

    def command_counts(self) -> Counter[str]:
        """Redis commands served so far, by name (INFO commandstats)."""
        stats = self.redis.info("commandstats")
        return Counter({name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()})

    def step_logs(self, step: str) -> list[dict[str, Any]]:
        """The workers' "step finished" JSON lines for one step."""
        found = []
        for worker in self.workers:
            for line in Path(worker.log.name).read_text(errors="replace").splitlines():
                if '"step finished"' in line and f'"step": "{step}"' in line:
                    found.append(json.loads(line))
        return found


class RssSampler:
    """Samples the resident memory of each process group (a process and its forked children)."""

    def __init__(self, groups: dict[str, int], interval: float = 0.05) -> None:
        self.groups = groups
        self.interval = interval
        self.peak_process: dict[str, int] = dict.fromkeys(groups, 0)
        self.peak_group: dict[str, int] = dict.fromkeys(groups, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        """One look at /proc: per group, the largest process and the sum."""
        sums: Counter[str] = Counter()
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(entry.path, "stat").read_text()
                pgrp = int(stat.rsplit(")", 1)[1].split()[2])
                names = [n for n, g in self.groups.items() if g == pgrp]
                if not names:
                    continue
                rss = int(stat.rsplit(")", 1)[1].split()[21]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, ValueError, IndexError):
                continue
            for name in names:
                sums[name] += rss
                self.peak_process[name] = max(self.peak_process[name], rss)
        for name, total in sums.items():
            self.peak_group[name] = max(self.peak_group[name], total)
