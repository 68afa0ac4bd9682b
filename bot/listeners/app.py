"""The Bolt app factory: one App per process, its client shared, listeners registered."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings

from bot.listeners.authorize import RefreshingAuthorize
from bot.listeners.table import register
from bot.store.installations import RedisOAuthStateStore
from bot.store.keys import OAUTH_STATE_TTL_SECONDS
from bot.wiring import Runtime, WorkspaceUnavailable

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


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
        oauth_settings=oauth_settings(rt, bolt_logger) if rt.installations is not None else None,
        # What Bolt says when authorize finds no usable installation (uninstalled, or its token can't be refreshed).
        user_facing_authorize_error_message=f":warning: {WorkspaceUnavailable.user_message}",
    )
    register(app, rt)
    return app


def oauth_settings(rt: Runtime, logger: logging.Logger) -> OAuthSettings:
    """Bolt's OAuth install (GET /slack/install, /slack/oauth_redirect) and authorize, on our Redis stores."""
    s = rt.settings
    assert rt.installations is not None and s.slack_client_id and s.slack_client_secret  # OAuth mode
    secret = s.slack_client_secret.get_secret_value()
    settings = OAuthSettings(
        client_id=s.slack_client_id,
        client_secret=secret,
        scopes=s.scope_list(),
        redirect_uri=s.slack_redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        install_page_rendering_enabled=s.slack_install_page_enabled,
        success_url=s.slack_install_success_url,
        failure_url=s.slack_install_failure_url,
        authorization_url=s.slack_oauth_authorize_url,
        installation_store=rt.installations,
        token_rotation_expiration_minutes=s.slack_token_rotation_minutes,
        state_store=RedisOAuthStateStore(rt.redis),
        state_expiration_seconds=OAUTH_STATE_TTL_SECONDS,
        logger=logger,
    )
    # Bolt's own authorize would refresh tokens through a client bound to slack.com; ours goes to
    # SLACK_API_URL. The store refreshes under a lock first, so Bolt's rotation rarely finds anything to do.
    settings.authorize = RefreshingAuthorize(
        logger=logger,
        client_id=s.slack_client_id,
        client_secret=secret,
        installation_store=rt.installations,
        token_rotation_expiration_minutes=s.slack_token_rotation_minutes,
        client=rt.slack.client,
    )
    return settings
