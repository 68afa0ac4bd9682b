"""Start-up checks that turn a wrong environment into one line naming the setting, before serving.

Settings are validated by bot.config; these check what only the outside world can answer: is the
port free, does Redis answer, does Slack accept the bot token, does the model endpoint accept the key.
A check that cannot reach its service (a network blip, an endpoint without /models) only warns.
"""

from __future__ import annotations

import errno
import json
import logging
import socket
import urllib.error
import urllib.request

import redis
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import ConfigError, Settings
from bot.wiring import probe_redis

log = logging.getLogger(__name__)
# auth.test errors that mean the token itself is wrong, not that Slack is having a moment.
REJECTED = {
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "not_allowed_token_type",
}


def check_port(variable: str, port: int) -> None:
    """Fail with one line when nothing can listen on 0.0.0.0:port (taken, or privileged)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError as exc:
            why = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be listened on ({exc.strerror})"
            raise ConfigError(variable, f"{port} {why}: stop the other process or choose another port") from None


def check_redis(settings: Settings) -> None:
    """Fail with one line when REDIS_URL does not answer PING (for `run`, which cannot wait)."""
    assert settings.redis_url is not None
    try:
        probe_redis(settings.redis_url, settings).ping()
    except redis.AuthenticationError:
        raise ConfigError("REDIS_URL", "was refused: wrong password or user in the URL") from None
    except redis.RedisError as exc:
        if "certificate verify failed" in str(exc):
            fix = "set TECHSPEC_REDIS_SSL_CERT_REQS=none for a provider's self-signed certificate"
            raise ConfigError("REDIS_URL", f"presents a certificate that cannot be verified: {fix}") from None
        raise ConfigError("REDIS_URL", f"cannot be reached ({type(exc).__name__}): is Redis running there?") from None


def check_slack(settings: Settings) -> None:
    """auth.test: a rejected or revoked bot token stops start-up instead of failing every event later."""
    if settings.slack_bot_token is None:
        return  # OAuth mode: each workspace's token is checked by Bolt's authorize when its events arrive
    client = WebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url, timeout=10)
    try:
        identity = client.auth_test()
    except SlackApiError as exc:
        code = str((exc.response.data or {}).get("error", "")) if isinstance(exc.response.data, dict) else ""
        if code in REJECTED:
            fix = "reinstall the app and copy its token"
            raise ConfigError("SLACK_BOT_TOKEN", f"was rejected by Slack ({code}): {fix}") from None
        log.warning("auth.test failed; starting anyway", extra={"error": code or "unknown"})
        return
    except OSError as exc:
        log.warning("Slack unreachable at start-up; starting anyway", extra={"error_type": type(exc).__name__})
        return
    log.info("slack token accepted", extra={"team": identity.get("team"), "bot_user": identity.get("user_id")})


def check_model(settings: Settings) -> None:
    """GET {OPENAI_BASE_URL}/models: a rejected key stops start-up; an unknown model or no listing only warns."""
    base = (settings.openai_base_url or "https://api.openai.com/v1").rstrip("/")
    request = urllib.request.Request(
        f"{base}/models", headers={"Authorization": f"Bearer {settings.openai_api_key.get_secret_value()}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the configured endpoint
            listing = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            raise ConfigError("OPENAI_API_KEY", f"was rejected by the model endpoint (HTTP {exc.code})") from None
        log.warning("model endpoint has no usable /models; not checked", extra={"http_status": exc.code})
        return
    except (OSError, ValueError) as exc:
        log.warning("model endpoint unreachable at start-up; starting anyway", extra={"error_type": type(exc).__name__})
        return
    names = {str(m.get("id")) for m in listing.get("data", []) if isinstance(m, dict)}
    if names and settings.openai_model not in names:
        log.warning("OPENAI_MODEL is not in the endpoint's /models list", extra={"model": settings.openai_model})


def check_credentials(settings: Settings) -> None:
    """Slack's and the model endpoint's verdict on our credentials (TECHSPEC_STARTUP_CHECKS=false skips)."""
    if settings.techspec_startup_checks:
        check_slack(settings)
        check_model(settings)
