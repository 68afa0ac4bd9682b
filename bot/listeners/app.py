"""The Bolt app factory: one App per process, its client shared, listeners registered."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App

from bot.listeners.table import register
from bot.wiring import Runtime


def create_app(rt: Runtime) -> App:
    """Build the Bolt app around the runtime's Slack client and register the listeners."""
    secret = rt.settings.slack_signing_secret
    # Bolt copies the root logger's level into its own loggers, and at INFO it logs whole request
    # bodies (message text) on a bad signature; give it a logger held at WARNING instead.
    bolt_logger = logging.getLogger("slack_bolt.App")
    bolt_logger.setLevel(max(logging.WARNING, logging.getLogger().level))
    app = App(
        logger=bolt_logger,
        client=rt.slack.client,
        signing_secret=secret.get_secret_value() if secret else None,
        # auth.test runs lazily on the first request, so a web process starts even if Slack is slow.
        token_verification_enabled=False,
        # Listeners run after the ack, on more threads than Bolt's default five, so a burst of events
        # never queues behind a slow Slack call.
        listener_executor=ThreadPoolExecutor(max_workers=16, thread_name_prefix="listener"),
        request_verification_enabled=secret is not None,
    )
    register(app, rt)
    return app
