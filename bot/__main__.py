"""Command line: `python -m bot web|worker|socket|run|new-key|reseal` (see the Procfile and the README)."""

from __future__ import annotations

import argparse
import sys

from bot.config import ConfigError, Mode, Settings, load_settings

MODES = {
    "web": "HTTP server for Slack's requests (behind gunicorn)",
    "worker": "background jobs (RQ)",
    "socket": "Slack's events over Socket Mode, for deployments without a public URL; needs workers",
    "run": "everything in one process (development)",
    "new-key": "print a fresh key for TECHSPEC_ENCRYPTION_KEYS and exit",
    "reseal": "encrypt the stored installations and workspace keys again with the first TECHSPEC_ENCRYPTION_KEYS key",
}


def main(argv: list[str] | None = None) -> int:
    """Parse the sub-command, validate settings and the outside world (one line on failure), and run."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="techspec Slack bot")
    parser.add_argument("mode", choices=list(MODES), help="; ".join(f"{k}: {v}" for k, v in MODES.items()))
    chosen = parser.parse_args(argv).mode
    if chosen == "new-key":
        from bot.store.crypto import new_key

        print(new_key())
        return 0
    if chosen == "reseal":
        return reseal()
    mode: Mode = chosen
    try:
        settings = load_settings(mode)
        if mode != "run":
            # Before anything imports prometheus_client, which reads this directory once.
            from bot.obs.multiproc import use_own_directory

            use_own_directory(mode)
        from bot.logs import configure_logging

        configure_logging(settings.techspec_log_level)
        check_outside(settings, mode)
        return dispatch(settings, mode)
    except ConfigError as exc:
        print(exc.one_line(), file=sys.stderr)
        return 2


def reseal() -> int:
    """After putting a new key first: seal every stored secret with it, so the old key can go."""
    from bot.store.crypto import SecretBox, SecretUnreadable
    from bot.store.installations import reseal_installations
    from bot.store.workspace_settings import reseal_workspace_keys
    from bot.wiring import connect_redis

    try:
        settings = load_settings("worker")
        keys = settings.encryption_key_list()
        if not keys or settings.redis_url is None:
            raise ConfigError("TECHSPEC_ENCRYPTION_KEYS", "is required to reseal the stored installations")
        connection, box = connect_redis(settings.redis_url, settings), SecretBox(keys)
        count, workspaces = reseal_installations(connection, box), reseal_workspace_keys(connection, box)
    except ConfigError as exc:
        print(exc.one_line(), file=sys.stderr)
        return 2
    except SecretUnreadable:
        print("techspec: a stored secret opens with none of TECHSPEC_ENCRYPTION_KEYS", file=sys.stderr)
        return 1
    print(f"resealed {count} installation records and {workspaces} workspace model keys with the first key")
    return 0


def check_outside(settings: Settings, mode: Mode) -> None:
    """Ports, Redis (for `run`, which cannot wait for it) and credentials, before serving anything."""
    from bot.run.checks import check_credentials, check_port, check_redis

    if mode == "web" or (mode == "run" and settings.slack_app_token is None):
        check_port("PORT", settings.port)
    if mode in ("worker", "socket") and settings.techspec_metrics_port:
        check_port("TECHSPEC_METRICS_PORT", settings.techspec_metrics_port)
    if mode == "run" and settings.redis_url:
        check_redis(settings)
    check_credentials(settings)


def dispatch(settings: Settings, mode: Mode) -> int:
    """Run the process; each imports only its own entry point (Socket Mode and the embedded store stay unloaded)."""
    if mode == "web":
        from bot.run.web import run_web

        return run_web(settings)
    if mode == "worker":
        from bot.run.worker import run_worker

        return run_worker(settings)
    if mode == "socket":
        from bot.run.socket_mode import run_socket

        return run_socket(settings)
    from bot.run.dev import run_development

    return run_development(settings)


if __name__ == "__main__":
    sys.exit(main())
