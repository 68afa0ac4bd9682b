"""The e2e smoke against the container image: web and worker containers, one session to a pinned spec.

`make container-smoke` (after `make image`). The containers use the host's network, so they reach a
redis-server and the Slack and model emulators started here on 127.0.0.1, exactly as compose's
services reach theirs. Checks: /healthz of both, a mention gets its questions, the answers a pinned
TECHNICAL_SPEC.md, /metrics on both, the image's HEALTHCHECK command, and that SIGTERM stops both
containers with status 0. ENGINE overrides the container command (default: podman as on a machine
without a docker daemon or cgroup controllers).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
import urllib.request

from tests.e2e.conftest import Stack, bot_env, start_emulators
from tests.e2e.helpers import design_thread, wait_for_pinned_spec, wait_for_questions
from tests.support.processes import BotProcess, wait_http_ok
from tests.support.redis_server import RedisServer, free_port

ENGINE = os.environ.get("ENGINE", "podman --storage-driver vfs --runtime runc --cgroup-manager cgroupfs")
# Lowered limits: a sandboxed machine may refuse the engine's defaults (raising them is not allowed).
RUN_FLAGS = "--network host --ulimit nofile=4096:4096 --ulimit nproc=4096:4096"
IMAGE = os.environ.get("IMAGE", "localhost/techspec:latest")


def container(kind: str, env: dict[str, str], name: str) -> BotProcess:
    """`ENGINE run` of the image as kind, with env passed by name (values come from this process's env)."""
    names = " ".join(f"-e {key}" for key in env if key not in ("PATH", "HOME"))
    command = f"{ENGINE} run --name {name} {RUN_FLAGS} {names} {IMAGE} {kind}"
    return BotProcess(kind, {**os.environ, **env}, command=command)


def engine(*args: str) -> subprocess.CompletedProcess[str]:
    """Run an engine sub-command."""
    return subprocess.run([*shlex.split(ENGINE), *args], capture_output=True, text=True, timeout=300, check=False)


def smoke(stack: Stack, worker_port: int | None) -> None:
    """One session, start to pinned spec, then the health and metrics endpoints."""
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    stack.slack.post_message(channel, "UANA", "<@UBOT> spec please", thread_ts=root)
    wait_for_questions(stack, channel, root, timeout=90)
    stack.slack.post_message(channel, "UBOB", "1. Postgres", thread_ts=root)
    stack.slack.post_message(channel, "UANA", "<@UBOT> go ahead", thread_ts=root)
    spec = wait_for_pinned_spec(stack, channel, root, timeout=90)
    assert spec.content.decode().startswith("## Technical Spec:")
    urls = [f"http://127.0.0.1:{stack.port}/metrics"] + (
        [f"http://127.0.0.1:{worker_port}/metrics"] if worker_port else []
    )
    for url in urls:
        with urllib.request.urlopen(url, timeout=10) as response:
            assert b"techspec_" in response.read()
    print("smoke: a mention got its questions, the answers a pinned TECHNICAL_SPEC.md; /metrics answered")


def main() -> int:
    """Start everything, run the smoke, stop the containers with SIGTERM, and report."""
    server = RedisServer().start()
    slack, model = start_emulators()
    port, worker_port, tag = free_port(), free_port(), str(os.getpid())
    env = bot_env(slack.api_url, model.base_url, server.url, port) | {"TECHSPEC_METRICS_PORT": str(worker_port)}
    web, worker = container("web", env, f"ts-web-{tag}"), container("worker", env, f"ts-worker-{tag}")
    stack = Stack(slack=slack, model=model, redis=None, env=env, port=port, processes=[web, worker])  # type: ignore[arg-type]
    try:
        started = time.monotonic()
        web.start(), worker.start()
        wait_http_ok(f"http://127.0.0.1:{port}/healthz", timeout=240, process=web)
        wait_http_ok(f"http://127.0.0.1:{worker_port}/healthz", timeout=240, process=worker)
        print(f"container smoke: web and worker healthy {time.monotonic() - started:.0f} s after `run`")
        slack.events_url = f"http://127.0.0.1:{port}/slack/events"
        smoke(stack, worker_port)
        for name in (f"ts-web-{tag}", f"ts-worker-{tag}"):
            check = engine("exec", name, "python3", "-m", "bot.run.healthcheck")
            print(f"container smoke: HEALTHCHECK command in {name}: exit {check.returncode}")
        for process in (web, worker):
            process.stop()
            print(f"container smoke: {process.kind} stopped by SIGTERM with status {process.process.returncode}")  # type: ignore[union-attr]
        return 0 if all(p.process and p.process.returncode == 0 for p in (web, worker)) else 1
    except AssertionError as exc:
        print(f"container smoke FAILED: {exc}\n{stack.logs()}")
        return 1
    finally:
        for process in (web, worker):
            process.kill()
        engine("rm", "-f", f"ts-web-{tag}", f"ts-worker-{tag}")
        slack.stop()
        model.stop()
        server.close()


if __name__ == "__main__":
    sys.exit(main())
