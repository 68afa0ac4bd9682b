"""Command line: `python -m bot web|worker|run` (see the Procfile and the README)."""

from __future__ import annotations

import argparse
import sys

from bot.config import ConfigError, Mode, load_settings
from bot.logs import configure_logging


def main(argv: list[str] | None = None) -> int:
    """Parse the sub-command, validate settings (one line naming a missing variable), and run."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="techspec Slack bot")
    parser.add_argument(
        "mode",
        choices=["web", "worker", "run"],
        help="web: HTTP server for Slack; worker: background jobs; run: both in one process (development)",
    )
    mode: Mode = parser.parse_args(argv).mode
    try:
        settings = load_settings(mode)
    except ConfigError as exc:
        print(exc.one_line(), file=sys.stderr)
        return 2
    configure_logging(settings.techspec_log_level)
    # Each process imports only its own entry point (the dev runner's Socket Mode and embedded store stay unloaded).
    if mode == "web":
        from bot.run.web import run_web

        return run_web(settings)
    if mode == "worker":
        from bot.run.worker import run_worker

        return run_worker(settings)
    from bot.run.dev import run_development

    return run_development(settings)


if __name__ == "__main__":
    sys.exit(main())
