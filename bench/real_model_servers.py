"""Start llama.cpp's OpenAI-compatible servers from the cache scripts/real_model_setup.sh fills."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.support.redis_server import free_port

WEIGHTS = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ALIAS = "smollm2-135m-instruct"
API_KEY = "sk-real-model-check"
# SmolLM2 was trained with an 8K context; the servers get all of it.
CONTEXT = 8192


@dataclass
class ServerRun:
    """A running server: its process, where it answers, and its log."""

    kind: str
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def cache_dir() -> Path:
    """Where scripts/real_model_setup.sh put the builds and the weights."""
    return Path(os.environ.get("REAL_MODEL_DIR") or Path.home() / ".cache" / "techspec" / "real-model")


def available(kind: str) -> bool:
    """Whether the server of this kind was built."""
    root = cache_dir()
    if kind == "llama-server":
        return (root / "llama-server").exists()
    return (root / "venv" / "bin" / "python").exists()


def command(kind: str, port: int) -> list[str]:
    """The server's command line: 127.0.0.1 only, an API key, one slot, the whole 8K context."""
    root = cache_dir()
    model = str(root / WEIGHTS)
    if kind == "llama-server":
        return [
            str(root / "llama-server"), "-m", model, "--host", "127.0.0.1", "--port", str(port), "-c", str(CONTEXT),
            "-np", "1", "--api-key", API_KEY, "--alias", MODEL_ALIAS, "-t", "2", "--no-webui",
        ]  # fmt: skip
    return [
        str(root / "venv" / "bin" / "python"), "-m", "llama_cpp.server", "--model", model, "--host", "127.0.0.1",
        "--port", str(port), "--n_ctx", str(CONTEXT), "--api_key", API_KEY, "--model_alias", MODEL_ALIAS,
        "--n_threads", "2",
    ]  # fmt: skip


def start_server(kind: str, timeout: float = 180.0) -> ServerRun:
    """Start a server of this kind and wait until /v1/models answers."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix=f"techspec-{kind}-", suffix=".log", delete=False)
    process = subprocess.Popen(command(kind, port), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    run = ServerRun(kind, process, f"http://127.0.0.1:{port}/v1", Path(log.name))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{kind} exited: {run.log_path.read_text()[-2000:]}")
        if _answers(f"{run.base_url}/models"):
            return run
        time.sleep(0.5)
    run.stop()
    raise RuntimeError(f"{kind} did not answer within {timeout:.0f} s")


def _answers(url: str) -> bool:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {API_KEY}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our own 127.0.0.1 server
            return isinstance(json.loads(response.read()), dict)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def main() -> int:
    """`python -m bench.real_model_servers KIND`: serve on 127.0.0.1 until interrupted (for `make eval`)."""
    import signal
    import sys

    kind = sys.argv[1] if len(sys.argv) > 1 else "llama-cpp-python"
    run = start_server(kind)
    print(f"OPENAI_BASE_URL={run.base_url} OPENAI_API_KEY={API_KEY} OPENAI_MODEL={MODEL_ALIAS}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        run.process.wait()
    finally:
        run.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
