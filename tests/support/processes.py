"""Start the bot's real processes from the Procfile, with the environment the tests choose."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def procfile_commands() -> dict[str, str]:
    """The Procfile's process types and commands."""
    commands: dict[str, str] = {}
    for line in (REPO / "Procfile").read_text().splitlines():
        if ":" in line and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            commands[name.strip()] = command.strip()
    return commands


class BotProcess:
    """One Procfile process (web or worker), its output captured to a file for the test's eyes."""

    def __init__(self, kind: str, env: dict[str, str], command: str | None = None) -> None:
        self.kind = kind
        self.env = env
        self.command = command  # instead of the Procfile's line for kind
        self.log = tempfile.NamedTemporaryFile(prefix=f"techspec-{kind}-", suffix=".log", delete=False)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> BotProcess:
        """Start the command, with `python` meaning this interpreter (the project's virtualenv)."""
        argv = shlex.split(self.command or procfile_commands()[self.kind])
        if argv[0] == "python":
            argv[0] = sys.executable
        # Its own process group, so a kill takes RQ's forked job process along with the worker.
        self.process = subprocess.Popen(
            argv, cwd=REPO, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def output(self) -> str:
        """Everything the process has written so far."""
        return Path(self.log.name).read_text(errors="replace")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send sig to the process, everything it started, and its group; wait for it to exit."""
        if self.process and self.process.poll() is None:
            # RQ puts each job's process in a process group of its own (setpgrp), so a group kill
            # alone would leave a running job behind, which is not what a crashed machine does.
            for child in descendants(self.process.pid):
                try:
                    os.kill(child, sig)
                except ProcessLookupError:
                    pass
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)

    def stop(self) -> None:
        """Ask politely (SIGTERM), then insist."""
        self.kill(signal.SIGTERM)


def descendants(pid: int) -> list[int]:
    """Every process below pid (read from /proc), children first."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def wait_http_ok(url: str, timeout: float = 30.0, process: BotProcess | None = None) -> None:
    """Wait until url answers 200 (the web process is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process and process.process and process.process.poll() is not None:
            raise AssertionError(f"{process.kind} exited early:\n{process.output()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer 200 within {timeout}s")
