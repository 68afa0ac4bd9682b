"""`compose.yaml` brought up for real (podman-compose), and the e2e smoke against it.

`python -m tests.compose_smoke` on a machine with podman and podman-compose. The images compose.yaml
names must be in local storage (on a machine that cannot pull, `scripts/build-image.sh` with
LOCAL_BASE=1 makes the base). tests/compose.smoke.yaml puts the services on the host's network so they
reach the emulators here; podman is configured through CONTAINERS_CONF / CONTAINERS_STORAGE_CONF for
sandboxes without cgroup controllers (vfs storage, runc, cgroupfs, lowered ulimits).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.container_smoke import smoke
from tests.e2e.conftest import BOT_TOKEN, MODEL_KEY, SIGNING_SECRET, Stack, start_emulators
from tests.support.processes import wait_http_ok
from tests.support.redis_server import free_port

REPO = Path(__file__).resolve().parents[1]
CONTAINERS_CONF = """[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
"""
STORAGE_CONF = (
    '[storage]\ndriver = "vfs"\nrunroot = "/run/containers/storage"\ngraphroot = "/var/lib/containers/storage"\n'
)


def compose(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """podman-compose with compose.yaml and the smoke's overrides."""
    files = ["-f", str(REPO / "compose.yaml"), "-f", str(REPO / "tests/compose.smoke.yaml")]
    return subprocess.run(
        [os.environ.get("PODMAN_COMPOSE", "podman-compose"), "-p", "techspec-smoke", *files, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def main() -> int:
    """Bring the project up, run the smoke, bring it down; print what happened."""
    slack, model = start_emulators()
    conf = Path(tempfile.mkdtemp(prefix="techspec-podman-"))
    (conf / "containers.conf").write_text(CONTAINERS_CONF)
    (conf / "storage.conf").write_text(STORAGE_CONF)
    web_port = free_port()
    env = os.environ | {
        "CONTAINERS_CONF": str(conf / "containers.conf"),
        "CONTAINERS_STORAGE_CONF": str(conf / "storage.conf"),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "OPENAI_API_KEY": MODEL_KEY,
        "OPENAI_BASE_URL": model.base_url,
        "OPENAI_MODEL": "test-model",
        "SLACK_API_URL": slack.api_url,
        "SMOKE_REDIS_PORT": str(free_port()),
        "SMOKE_WEB_PORT": str(web_port),
    }
    stack = Stack(slack=slack, model=model, redis=None, env=env, port=web_port)  # type: ignore[arg-type]
    started = time.monotonic()
    try:
        up = compose(env, "up", "-d")
        print(f"compose smoke: `podman-compose up -d` exit {up.returncode} in {time.monotonic() - started:.0f} s")
        if up.returncode != 0:
            print(up.stdout[-3000:], up.stderr[-3000:])
            return 1
        wait_http_ok(f"http://127.0.0.1:{web_port}/healthz", timeout=300)
        slack.events_url = f"http://127.0.0.1:{web_port}/slack/events"
        print(f"compose smoke: web healthy {time.monotonic() - started:.0f} s after `up`")
        ps = compose(env, "ps")
        print("\n".join(f"compose smoke: {line}" for line in ps.stdout.splitlines() if "techspec-smoke" in line))
        smoke(stack, None)
        return 0
    except AssertionError as exc:
        print(f"compose smoke FAILED: {exc}\n{compose(env, 'logs').stdout[-6000:]}")
        return 1
    finally:
        down = compose(env, "down")
        print(f"compose smoke: `podman-compose down` exit {down.returncode}")
        slack.stop()
        model.stop()


if __name__ == "__main__":
    sys.exit(main())
