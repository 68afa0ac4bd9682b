"""Command line: `python -m bot web|worker|run` (see the Procfile and the README)."""

from __future__ import annotations

import argparse
import logging
import sys
import time

import redis

from bot.config import ConfigError, Mode, Settings, load_settings
from bot.logs import configure_logging
from bot.wiring import Runtime, build_runtime, set_runtime

log = logging.getLogger("bot")


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
    if mode == "web":
        return run_web(settings)
    if mode == "worker":
        return run_worker(settings)
    from bot.run.dev import run_development

    return run_development(settings)


def _runtime(settings: Settings, redis_url: str) -> Runtime:
    rt = build_runtime(settings, redis_url)
    set_runtime(rt)
    return rt


def run_web(settings: Settings) -> int:
    """Serve Slack's requests with gunicorn until stopped."""
    from bot.run.web import create_wsgi_app, serve

    assert settings.redis_url is not None  # required for this mode by load_settings
    url = settings.redis_url
    log.info("web starting", extra={"port": settings.port})
    serve(
        lambda: create_wsgi_app(_runtime(settings, url)),
        settings.port,
        settings.techspec_web_workers,
        settings.techspec_web_threads,
    )
    return 0


def run_worker(settings: Settings) -> int:
    """Work the queue until stopped; wait and reconnect while Redis is unreachable."""
    from bot.run.worker import build_worker

    assert settings.redis_url is not None
    rt = _runtime(settings, settings.redis_url)
    # RQ forks a child per job: load once here what each child would otherwise load again.
    from bot.run.warmup import warm_worker

    warm_worker(rt)
    delay = 1.0
    while True:
        try:
            rt.redis.ping()
            delay = 1.0
            worker = build_worker(settings, rt.redis)
            log.info("worker starting", extra={"worker": worker.name})
            worker.work(with_scheduler=True, logging_level=settings.techspec_log_level.upper())
            return 0
        except redis.ConnectionError as exc:
            log.warning("redis unreachable; retrying", extra={"error": type(exc).__name__, "retry_in_s": delay})
            time.sleep(delay)
            delay = min(delay * 2, 30.0)


if __name__ == "__main__":
    sys.exit(main())
