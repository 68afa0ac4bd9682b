"""Trace the walk from a mention to `pins.add` as it runs: `python -m bench.trace_walk [--repo PATH ...]`.

`bench.walk` counts modules on the static import graph; this runs ONE session in this process under
`sys.setprofile` / `threading.setprofile` and counts the `bot` modules whose functions actually ran between
the `app_mention` event and the first `pins.add` call. In short (precisely in `bench.call_path`): the path
is the module of the innermost running bot function over time, library frames skipped, repeats collapsed;
a transition is a change of module on it; a step back up is a transition, by a return or by a call, into a
module already on the path before (so steps back up = transitions - (modules - 1)).

The stack is the tests' and the bench's: a throwaway redis-server and the Slack and model emulators (no
latency, file shares at once). The bot's runtime is built in-process as `bench.profile` does; the emulator's
signed deliveries go to the real Bolt app (`create_app`) by `App.dispatch` instead of HTTP, and each action
waits for the listener thread to finish; the queued jobs run in this process on RQ's `SimpleWorker`.

Paths (`--path`):
- `questions`: mention -> questions (the model emulator's default ClarifyResult asks 3) -> one answer reply
  -> a second mention ("generate now") -> spec written, uploaded, pinned;
- `clear`: the model finds the thread clear, so the mention goes straight to the spec.

Only what is on the walk is delivered: a mention's `app_mention` event (not its `message` twin, which the
bot drops), the reply's `message` event, and none of the echoes of the bot's own posts.

Each `--repo` (default: this checkout) is traced in a child process, that checkout first on sys.path; the
emulators always come from this checkout. Entry points are found by feature detection, so both the package
layout (`bot.listeners.app`, `bot.wiring`, `bot.flow.jobs`) and the flat one (`bot.app`, `bot.runtime`) work.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import pkgutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import redis
from rq import Queue, SimpleWorker
from slack_bolt import App, BoltRequest

from bench.call_path import CallRecorder, reduce_to_walk
from bench.stack import CLEAR
from tests.e2e.conftest import bot_env, start_emulators
from tests.fakes.slack import payloads
from tests.fakes.slack.delivery import Deliverer
from tests.support.redis_server import RedisServer, free_port

HERE = Path(__file__).resolve().parents[1]
APP_MODULES = ("bot.listeners.app", "bot.app")
RUNTIME_MODULES = ("bot.wiring", "bot.wiring.runtime", "bot.runtime")
JOB_MODULES = ("bot.flow.jobs", "bot.jobs")
PATHS = ("questions", "clear")
DESIGN = [
    ("UANA", "We need a CSV export for the analytics dashboard. Users pick a date range and get a file."),
    ("UBOB", "Exports can be big (millions of rows), so it should run as a background job."),
    ("UANA", "Agreed. The file can go to S3 with a signed URL that expires."),
]


class BoltDeliverer(Deliverer):
    """The emulator's signed deliveries, handed to a Bolt app in this process instead of POSTed."""

    def __init__(self, emulator: Any, app: App) -> None:
        super().__init__(emulator)
        self.app = app

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str, dict[str, str], None]:
        request_headers: dict[str, str | Sequence[str]] = dict(headers)
        response = self.app.dispatch(BoltRequest(body=body.decode(), headers=request_headers))
        return response.status, response.body, {k: ", ".join(v) for k, v in response.headers.items()}, None


def find(modules: tuple[str, ...], name: str, default: Any = None) -> Any:
    """name from the first of modules that has it (all imported by load_bot), else default if given."""
    for module in modules:
        if hasattr(sys.modules.get(module), name):
            return getattr(sys.modules[module], name)
    if default is None:
        raise SystemExit(f"none of {', '.join(modules)} has {name}")
    return default


def call_by_name(func: Callable[..., Any], available: dict[str, Callable[[], Any]]) -> Any:
    """Call func with the arguments it names, each made by available[name]; defaults stay defaults."""
    kwargs: dict[str, Any] = {}
    for param in inspect.signature(func).parameters.values():
        if param.name in available:
            kwargs[param.name] = available[param.name]()
        elif param.default is param.empty and param.kind not in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise SystemExit(f"{func.__module__}.{func.__qualname__} wants {param.name!r}: teach bench.trace_walk")
    return func(**kwargs)


def load_bot(repo: Path) -> None:
    """Import every module of repo/bot up front, so no import runs (and is counted) during the walk."""
    sys.path.insert(0, str(repo))
    bot = importlib.import_module("bot")
    if not Path(bot.__file__ or "").resolve().is_relative_to(repo):
        raise SystemExit(f"bot was imported from {bot.__file__}, not from {repo}")
    for module in pkgutil.walk_packages(bot.__path__, "bot."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)


class Session:
    """The stack, the bot's runtime and the recorder, and the actions of one traced session."""

    def __init__(self) -> None:
        self.redis_server = RedisServer().start()
        self.slack, self.model = start_emulators()
        self.slack.share_delay = 0.0
        self.slack.deliver_bot_events = False
        self.slack.events_url = "in-process:bolt"
        self.recorder = CallRecorder()

    def build(self, repo: Path) -> None:
        """Load repo's bot, build its runtime from the emulators' environment, seed the thread."""
        os.environ.update(bot_env(self.slack.api_url, self.model.base_url, self.redis_server.url, free_port()))
        load_bot(repo)
        settings = importlib.import_module("bot.config").load_settings("worker")
        url = str(settings.redis_url)
        connect = find(RUNTIME_MODULES, "connect_redis", redis.Redis.from_url)
        self.rt = call_by_name(
            find(RUNTIME_MODULES, "build_runtime"),
            {
                "settings": lambda: settings,
                "redis_url": lambda: url,
                "connection": lambda: connect(url),
                "jobs": lambda: find(JOB_MODULES, "JOBS"),
            },
        )
        find(RUNTIME_MODULES, "set_runtime")(self.rt)
        self.create_app: Callable[[Any], App] = find(APP_MODULES, "create_app")
        self.queue = Queue(settings.techspec_queue_prefix, connection=redis.Redis.from_url(url))
        self.channel = "CWALK"
        self.slack.add_channel(self.channel, "walk", members=["UANA", "UBOB", "UBOT"])
        self.root = self.slack.seed_message(self.channel, DESIGN[0][0], DESIGN[0][1])
        for user, text in DESIGN[1:]:
            self.slack.seed_message(self.channel, user, text, thread_ts=self.root)

    def stop(self) -> None:
        """Stop profiling and everything started."""
        sys.setprofile(None)
        threading.setprofile(None)
        self.slack.stop()
        self.model.stop()
        self.redis_server.close()

    def act(self, user: str, text: str) -> None:
        """A person posts in the thread; the event goes to a fresh Bolt app; wait until its listener is done."""
        self.recorder.recording = False
        app = self.create_app(self.rt)  # one app per action, so its listener executor can be awaited
        self.slack.deliverer = BoltDeliverer(self.slack, app)
        if not sys.getprofile():
            sys.setprofile(self.recorder)
            threading.setprofile(self.recorder)
        self.recorder.recording = True
        mention = "<@UBOT>" in text
        ts = self.slack.post_message(self.channel, user, text, thread_ts=self.root, deliver=not mention)
        if mention:
            message = next(m for m in self.slack.thread(self.channel, self.root) if m["ts"] == ts)
            event = payloads.mention_event(self.slack.ws.channel(self.channel), message)
            delivery = self.slack.deliver(payloads.envelope(self.slack.ws, event))
            assert delivery.ok, f"the app answered {delivery.status}: {delivery.body}"
        app.listener_runner.listener_executor.shutdown(wait=True)

    def queues(self) -> list[Queue]:
        """The bot's queue and any shard queues next to it (a release may use either)."""
        name = self.queue.name
        found = [q for q in Queue.all(connection=self.queue.connection) if q.name.startswith(f"{name}:")]
        return [self.queue, *found]

    def run_jobs(self, rounds: int = 5) -> None:
        """Run the queued jobs here until the queues are empty (or until pins.add, when that is what is awaited)."""
        for _ in range(rounds):
            SimpleWorker(self.queues(), connection=self.queue.connection).work(burst=True, logging_level="WARNING")
            if self.pinned() or not sum(q.count for q in self.queues()):
                return

    def pinned(self) -> bool:
        """Whether Slack has seen pins.add."""
        return bool(self.slack.calls("pins.add"))


def trace_one(repo: Path, path: str) -> dict[str, Any]:
    """Drive one session along path in this process; the walk's figures."""
    session = Session()
    try:
        session.build(repo)
        if path == "clear":
            session.model.script("ClarifyResult", CLEAR)
        session.act("UBOB", "<@UBOT> can you turn this into a spec?")
        session.run_jobs()
        if path == "questions":
            if session.pinned() or not session.model.calls("ClarifyResult"):
                raise SystemExit("expected questions after the first mention, got a spec (or no clarify call)")
            session.act("UANA", "1. Postgres 16, rows are kept 30 days")
            session.run_jobs()
            session.act("UANA", "<@UBOT> generate now")
            session.run_jobs()
        session.recorder.recording = False
        if not session.pinned() or session.recorder.cut is None:
            raise SystemExit("the session ended without pins.add")
        if any(q.failed_job_registry.count for q in session.queues()):
            raise SystemExit("a job failed on the way: the walk would include its failure path")
        return reduce_to_walk(session.recorder).as_dict()
    finally:
        session.stop()


def describe(repo: Path) -> str:
    """The checkout's name and commit, for a column header."""
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return f"{repo.name}@{head.stdout.strip() or '?'}"


def trace_in_child(repo: Path, path: str) -> dict[str, Any]:
    """trace_one in a fresh interpreter (one `bot` per process)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        argv = [sys.executable, "-m", "bench.trace_walk", "--repo", str(repo), "--path", path, "--json", out.name]
        done = subprocess.run(argv, cwd=HERE, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise SystemExit(f"tracing {repo} ({path}) failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
        return dict(json.loads(Path(out.name).read_text()))


def print_table(results: dict[tuple[str, str], dict[str, Any]]) -> None:
    """One column per checkout and path: the figures, then each walk's modules in first-visit order."""
    rows = [
        ("(a) bot modules visited", lambda r: len(r["modules"])),
        ("(b) module transitions", lambda r: r["transitions"]),
        ("    distinct (from, to) pairs", lambda r: r["edges"]),
        ("    steps back up", lambda r: r["back"]),
        ("      returning into", lambda r: r["back_returns"]),
        ("      calling into", lambda r: r["back_calls"]),
        ("    bot function calls", lambda r: r["calls"]),
        ("(d) folders visited (bot/<folder>/)", lambda r: len(r["folders"])),
        ("    folder transitions", lambda r: r["folder_transitions"]),
        ("    steps back up between folders", lambda r: r["folder_back"]),
    ]
    headers = [f"{name} {path}" for name, path in results]
    width = max(len(label) for label, _ in rows)
    print(f"{'':<{width}}  " + "  ".join(headers))
    for label, value in rows:
        cells = [f"{value(r):>{len(h)}}" for h, r in zip(headers, results.values(), strict=True)]
        print(f"{label:<{width}}  " + "  ".join(cells))
    for header, result in zip(headers, results.values(), strict=True):
        print(f"\n(c) {header}, first-visit order (the walk ends in {result['last']}):")
        print("    " + " -> ".join(result["modules"]))
        print(f"(d) {header}, folders in first-visit order:")
        print("    " + " -> ".join(result["folders"]))


def main(argv: list[str] | None = None) -> int:
    """Parse the options; trace each checkout and path in a child, or (with --json) one here."""
    parser = argparse.ArgumentParser(prog="python -m bench.trace_walk", description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, action="append", help="checkout to trace (repeatable; default: this)")
    parser.add_argument("--path", choices=[*PATHS, "both"], default="both", help="which session path to drive")
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)  # child mode: write one result here
    args = parser.parse_args(argv)
    repos = [repo.resolve() for repo in args.repo or [HERE]]
    paths = PATHS if args.path == "both" else (args.path,)
    if args.json:
        args.json.write_text(json.dumps(trace_one(repos[0], paths[0])))
        return 0
    results = {(describe(repo), path): trace_in_child(repo, path) for repo in repos for path in paths}
    print_table(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
