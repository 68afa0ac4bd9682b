"""Small named errors. Each carries the plain words a person in the thread will read."""

from __future__ import annotations


class TechspecError(Exception):
    """Base for errors that end a step with a message for the thread."""

    user_message = "Something went wrong."
    retryable = True

    def __init__(self, detail: str = "", *, user_message: str | None = None) -> None:
        super().__init__(detail or self.user_message)
        if user_message is not None:
            self.user_message = user_message


class ModelUnavailableError(TechspecError):
    """The model endpoint could not be reached or kept failing after retries."""

    user_message = "The language model did not answer (it timed out or kept returning errors)."


class ModelOutputError(TechspecError):
    """The model answered, but not with something usable (invalid, cut off, or refused)."""

    user_message = "The language model's answer could not be used (it was invalid, cut off or refused)."


class ModelConfigError(TechspecError):
    """The endpoint rejected our credentials or request shape; retrying will not help."""

    user_message = "The language model endpoint rejected the request (check OPENAI_API_KEY and OPENAI_MODEL)."
    retryable = False


class ContextTooLongError(TechspecError):
    """The prompt does not fit the model's context window, even condensed: a bigger model is needed."""

    user_message = (
        "The thread is too long for this model's context window, even condensed "
        "(use a model with a larger context, or lower TECHSPEC_PROMPT_TOKEN_BUDGET)."
    )
    retryable = False


class SlackAccessError(TechspecError):
    """Slack refused an action because of the bot's access (membership, scope, archived)."""

    retryable = False


class ThreadUnavailableError(TechspecError):
    """The thread could not be read (deleted, unknown channel, no access)."""

    user_message = "I couldn't read that thread."
    retryable = False


class SlackRateLimitedError(Exception):
    """Slack answered 429: nothing was done, and it asks to come back after retry_after seconds."""

    def __init__(self, method: str, retry_after: float) -> None:
        super().__init__(f"{method} rate limited for {retry_after:g}s")
        self.method = method
        self.retry_after = retry_after
