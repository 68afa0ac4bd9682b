"""Settings: every environment variable the bot reads, validated once at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PROMPTS_DIR = REPO_ROOT / "prompts"

Mode = Literal["web", "worker", "run"]


class Settings(BaseSettings):
    """The bot's configuration; field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    slack_bot_token: SecretStr
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    openai_api_key: SecretStr
    openai_base_url: str | None = None
    openai_model: str = "gpt-4.1"
    openai_timeout_seconds: float = 120.0
    openai_max_retries: int = Field(default=2, ge=0, le=6)
    # auto: negotiate per endpoint and model (json_schema, json_object_schema, json_object, text), remembered
    # in Redis; a mode name fixes it.
    structured_mode: Literal["auto", "json_schema", "json_object_schema", "json_object", "text"] = "auto"
    # Sampling sent with every call; a seed only where the server honours one (unset: none sent).
    openai_temperature: float | None = Field(default=0.2, ge=0, le=2)
    openai_seed: int | None = Field(default=None, ge=0)
    # Parallel generations the server runs when its metadata does not say (1: no stacked retries).
    openai_server_slots: int | None = Field(default=None, ge=1, le=1024)

    redis_url: str | None = None
    port: int = Field(default=3000, ge=1, le=65535)

    # Tunables (prefixed so they never clash with a platform's own variables).
    techspec_session_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    techspec_auto_write_delay_seconds: float = Field(default=20.0, ge=0)
    techspec_share_poll_seconds: float = Field(default=20.0, ge=0)
    techspec_job_timeout_seconds: int = Field(default=900, ge=30)
    techspec_job_retry_intervals: list[int] = Field(default_factory=lambda: [5, 30])
    techspec_worker_monitoring_interval: int = Field(default=10, ge=1)
    techspec_worker_heartbeat_grace: int = Field(default=20, ge=1)
    techspec_worker_maintenance_interval: int = Field(default=30, ge=1)
    # Two processes per core: measured best for ack tail latency on a 2-core machine (bench/ack.py).
    techspec_web_workers: int = Field(default=4, ge=1)
    techspec_web_threads: int = Field(default=8, ge=1)
    techspec_prompt_token_budget: int = Field(default=100_000, ge=2_000)
    # Per-model override of the prompt budget, JSON: {"gpt-4.1": 400000, "llama3.1:8b": 6000}.
    techspec_model_token_budgets: dict[str, int] = Field(default_factory=dict)
    # At most this many chunk calls condense an over-budget thread (plus one call merging them).
    techspec_condense_max_chunks: int = Field(default=16, ge=1, le=200)
    # The model's context window when the server's /v1/models or /props does not give it (unset: no limit
    # beyond the prompt budget); the whole prompt, schema and output are budgeted against it.
    techspec_context_window: int | None = Field(default=None, ge=2_048)
    # No call asks for more output tokens than this (each call asks for what its answer needs).
    techspec_max_output_tokens: int = Field(default=8_192, ge=256, le=200_000)
    # How long a negotiated structured mode and the server's metadata are remembered in Redis.
    techspec_capability_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    techspec_file_text_limit_bytes: int = Field(default=64_000, ge=0)
    # One reminder to the person who asked when nobody answered the questions this long (0: never).
    techspec_reminder_seconds: float = Field(default=24 * 3600, ge=0)
    # Targeted repair requests for failing checklist items before the spec is uploaded (0 turns repair off).
    techspec_checklist_repair_rounds: int = Field(default=2, ge=0, le=5)
    techspec_prompts_dir: Path = DEFAULT_PROMPTS_DIR
    techspec_templates_dir: Path | None = None
    techspec_log_level: str = "INFO"
    techspec_queue_prefix: str = "techspec"

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value() and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value or None

    @field_validator("slack_signing_secret", "openai_api_key")
    @classmethod
    def _not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        # An empty secret would fail every request later; say so at start-up instead.
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("is empty")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_slash(cls, value: str) -> str:
        # slack_sdk joins method names onto base_url verbatim, so it must end with a slash.
        return value if value.endswith("/") else value + "/"

    def prompt_token_budget(self) -> int:
        """The prompt budget for the configured model (its override, else TECHSPEC_PROMPT_TOKEN_BUDGET)."""
        return self.techspec_model_token_budgets.get(self.openai_model, self.techspec_prompt_token_budget)

    def require_for(self, mode: Mode) -> None:
        """Raise ConfigError naming the first variable the given process mode needs but lacks."""
        if mode in ("web", "worker") and not self.redis_url:
            raise ConfigError("REDIS_URL", "is required for the web and worker processes")
        if mode == "web" and self.slack_signing_secret is None:
            raise ConfigError("SLACK_SIGNING_SECRET", "is required to verify Slack's HTTP requests")
        if mode == "run" and self.slack_app_token is None and self.slack_signing_secret is None:
            raise ConfigError(
                "SLACK_SIGNING_SECRET", "is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)"
            )


class ConfigError(Exception):
    """A required environment variable is missing or malformed."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable} {problem}")
        self.variable = variable
        self.problem = problem

    def one_line(self) -> str:
        """The single line printed when start-up stops."""
        return f"techspec: configuration error: {self.variable} {self.problem}"


def load_settings(mode: Mode) -> Settings:
    """Load settings from the environment, raising ConfigError with the first offending variable."""
    try:
        settings = Settings()  # type: ignore[call-arg]
    except ValidationError as exc:
        first = exc.errors()[0]
        variable = str(first["loc"][0]).upper() if first["loc"] else "environment"
        problem = "is missing" if first["type"] == "missing" else f"is invalid: {first['msg']}"
        raise ConfigError(variable, problem) from None
    settings.require_for(mode)
    return settings
