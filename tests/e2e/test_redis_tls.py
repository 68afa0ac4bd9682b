"""TLS Redis (rediss://, as managed services give): a self-signed server, and the setting that accepts it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Stack, bot_env, start_emulators
from tests.e2e.helpers import design_thread, wait_for_questions
from tests.support.processes import BotProcess, wait_http_ok
from tests.support.redis_server import free_port
from tests.support.waiting import wait_until

pytestmark = pytest.mark.skipif(not shutil.which("openssl"), reason="needs openssl to make a certificate")


@pytest.fixture(scope="module")
def tls_redis() -> Iterator[str]:
    """A redis-server speaking only TLS with a self-signed certificate; yields its rediss:// URL."""
    work = Path(tempfile.mkdtemp(prefix="techspec-tls-"))
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
        + ["-keyout", str(work / "key.pem"), "-out", str(work / "cert.pem")],
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", "0", "--tls-port", str(port)]
        + ["--bind", "127.0.0.1", "--tls-cert-file", str(work / "cert.pem"), "--tls-key-file", str(work / "key.pem")]
        + ["--tls-auth-clients", "no", "--save", "", "--appendonly", "no", "--dir", str(work)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"rediss://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(work, ignore_errors=True)


def test_a_self_signed_tls_redis_works_with_cert_reqs_none_and_is_refused_without(tls_redis: str) -> None:
    slack, model = start_emulators()
    port = free_port()
    env = bot_env(slack.api_url, model.base_url, tls_redis, port)
    refused = subprocess.run([sys.executable, "-m", "bot", "run"], env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2, refused.stderr  # the certificate is verified by default, and this one fails
    assert "TECHSPEC_REDIS_SSL_CERT_REQS" in refused.stderr.splitlines()[-1]
    env["TECHSPEC_REDIS_SSL_CERT_REQS"] = "none"
    stack = Stack(slack=slack, model=model, redis=None, env=env, port=port)  # type: ignore[arg-type]
    stack.processes += [BotProcess("web", env).start(), BotProcess("worker", env).start()]
    try:
        wait_http_ok(f"http://127.0.0.1:{port}/healthz", process=stack.processes[0])
        slack.events_url = f"http://127.0.0.1:{port}/slack/events"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert json.loads(response.read())["redis"] == "ok"
        channel = stack.new_channel()
        root = design_thread(stack, channel)
        stack.slack.post_message(channel, "UANA", "<@UBOT> spec", thread_ts=root)
        wait_for_questions(stack, channel, root, timeout=30)
        wait_until(lambda: all(p.process and p.process.poll() is None for p in stack.processes), 1)
    finally:
        for process in stack.processes:
            process.stop()
        slack.stop()
        model.stop()
