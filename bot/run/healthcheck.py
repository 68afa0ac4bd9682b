"""`python -m bot.run.healthcheck`: the container's HEALTHCHECK; exit 0 when this container's process is healthy.

It asks the process in this container (PID 1) on its own /healthz: the web on $PORT, a worker or the
socket listener on $TECHSPEC_METRICS_PORT.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path


def port_for(command_line: str) -> str:
    """The port whose /healthz speaks for the process running command_line."""
    if command_line.split()[-1:] == ["web"]:
        return os.environ.get("PORT", "8000")
    return os.environ.get("TECHSPEC_METRICS_PORT", "9100")


def main() -> int:
    """Exit 0 when /healthz answers 200, 1 otherwise."""
    command_line = Path("/proc/1/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    url = f"http://127.0.0.1:{port_for(command_line)}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:  # noqa: S310 - our own process
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
