"""The Web API client the gateway uses: Slack's retries for 429s and 5xx, and a count of every failure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, RetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.slack_response import SlackResponse

from bot.obs import metrics
from bot.slack.failures import slack_error_code


def build_web_client(
    token: str | None,
    base_url: str,
    *,
    idempotent_only: bool = False,
    on_token_expired: Callable[[str], str | None] | None = None,
    timeout: int = 30,
    rate_limit_retries: int = 4,
) -> WebClient:
    """A WebClient that retries 429s (honouring Retry-After) and, unless idempotent_only, 5xx and
    connection errors; on_token_expired(token) gives a fresh token when Slack answers `token_expired`."""
    # Only the connection-error handler is on by default; rate limits and server errors need opting in.
    # A 5xx or a dropped connection may come after Slack acted, so a call that creates something
    # (a message, a file share) is retried on 429 only: a 429 means nothing was done.
    handlers: list[RetryHandler] = [CountingRateLimitHandler(max_retry_count=rate_limit_retries)]
    if not idempotent_only:
        handlers += [ConnectionErrorRetryHandler(max_retry_count=2), ServerErrorRetryHandler(max_retry_count=2)]
    client = MeasuredWebClient(token=token, base_url=base_url, retry_handlers=handlers, timeout=timeout)
    client.on_token_expired = on_token_expired
    return client


class CountingRateLimitHandler(RateLimitErrorRetryHandler):
    """Slack's 429 handling (wait Retry-After, try again), counting each 429 by method for the metrics."""

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        """Count the 429, then wait as Slack asks."""
        metrics.SLACK_RATE_LIMITED.labels(request.url.rsplit("/", 1)[-1].split("?")[0]).inc()
        super().prepare_for_next_attempt(state=state, request=request, response=response, error=error)


class MeasuredWebClient(WebClient):
    """A WebClient that counts failed calls by method and error (a 429 that outlasted its retries too)."""

    # OAuth with token rotation: the workspace's refreshed token, when Slack says this one expired.
    on_token_expired: Callable[[str], str | None] | None = None

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        """Make the call; count it by method and error code when it fails."""
        try:
            return self._measured(api_method, **kwargs)
        except SlackApiError as exc:
            # An expired token did nothing, so the call is safe to make again with the refreshed one.
            renew = self.on_token_expired
            if slack_error_code(exc) != "token_expired" or renew is None or not self.token:
                raise
            fresh = renew(self.token)
            if fresh is None:
                raise
            self.token = fresh
            return self._measured(api_method, **kwargs)

    def _measured(self, api_method: str, **kwargs: Any) -> SlackResponse:
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            metrics.SLACK_ERRORS.labels(api_method, slack_error_code(exc)).inc()
            if getattr(exc.response, "status_code", None) == 429:
                metrics.SLACK_RATE_LIMITED.labels(api_method).inc()
            raise
        except OSError as exc:  # unreachable, reset, timed out (after the connection retries)
            metrics.SLACK_ERRORS.labels(api_method, type(exc).__name__).inc()
            raise
