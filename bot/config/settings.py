"""Settings: every environment variable the bot reads, validated once at start-up."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError
from redis.connection import parse_url

from bot.config.checks import LOG_LEVELS, PLACEHOLDER, PRICE_FIELDS, ConfigError, http_url, json_value, token_shape
from bot.config.oauth import OAuthSettings
from bot.config.reading import ReadingSettings
from bot.config.workspaces import WorkspaceDefaults

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PROMPTS_DIR = REPO_ROOT / "prompts"

Mode = Literal["web", "worker", "run", "socket"]


class Settings(OAuthSettings, WorkspaceDefaults, ReadingSettings, BaseSettings):
    """The bot's configuration; field names map to upper-case environment variables."""

    # Empty means unset: compose and PaaS dashboards pass unset optional variables as "".
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False, env_ignore_empty=True)

    slack_bot_token: SecretStr
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    # Where the worker and socket processes serve /metrics and /healthz (0: nowhere); the image sets 9100.
    techspec_metrics_port: int = Field(default=0, ge=0, le=65535)

    openai_api_key: SecretStr
    openai_base_url: str | None = None
    openai_model: str = "gpt-4.1"
    openai_timeout_seconds: float = Field(default=120.0, gt=0)
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
    # For rediss:// only: managed Redis (Heroku) presents a self-signed certificate, which needs "none".
    techspec_redis_ssl_cert_reqs: Literal["required", "optional", "none"] = "required"
    port: int = Field(default=3000, ge=1, le=65535)

    # Tunables (prefixed so they never clash with a platform's own variables).
    techspec_session_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    # Retention (README "Data we keep"): how long each kind of record outlives its last use.
    techspec_history_grace_seconds: int = Field(default=30 * 24 * 3600, ge=0)
    techspec_name_cache_seconds: int = Field(default=24 * 3600, ge=60)
    techspec_recent_specs_seconds: int = Field(default=90 * 24 * 3600, ge=0)
    techspec_job_result_seconds: int = Field(default=300, ge=0)
    techspec_job_failure_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    techspec_auto_write_delay_seconds: float = Field(default=20.0, ge=0)
    techspec_share_poll_seconds: float = Field(default=20.0, ge=0)
    techspec_job_timeout_seconds: int = Field(default=900, ge=30)
    techspec_job_retry_intervals: Annotated[list[Annotated[int, Field(ge=0)]], NoDecode] = Field(
        default_factory=lambda: [5, 30], min_length=1
    )
    techspec_worker_monitoring_interval: int = Field(default=10, ge=1)
    techspec_worker_heartbeat_grace: int = Field(default=20, ge=1)
    techspec_worker_maintenance_interval: int = Field(default=30, ge=1)
    # Two processes per core: measured best for ack tail latency on a 2-core machine (bench/ack.py).
    techspec_web_workers: int = Field(default=4, ge=1)
    techspec_web_threads: int = Field(default=8, ge=1)
    techspec_prompt_token_budget: int = Field(default=100_000, ge=2_000)
    # Per-model override of the prompt budget, JSON: {"gpt-4.1": 400000, "llama3.1:8b": 6000}.
    techspec_model_token_budgets: Annotated[dict[str, Annotated[int, Field(ge=2_000)]], NoDecode] = Field(
        default_factory=dict
    )
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
    # Where files are downloaded from with the bot token (comma-separated origins; GovSlack: add its own).
    techspec_slack_file_hosts: str = "https://files.slack.com"
    # One reminder to the person who asked when nobody answered the questions this long (0: never).
    techspec_reminder_seconds: float = Field(default=24 * 3600, ge=0)
    # Targeted repair requests for failing checklist items before the spec is uploaded (0 turns repair off).
    techspec_checklist_repair_rounds: int = Field(default=2, ge=0, le=5)
    # Replies within this many seconds are counted together: their free-form ones cost one model request.
    techspec_attribution_batch_seconds: float = Field(default=2.0, ge=0, le=60)
    # Attribution waits this long for the model; past it the replies count as general answers for now.
    techspec_attribution_timeout_seconds: float = Field(default=30.0, ge=1, le=600)
    techspec_prompts_dir: Path = DEFAULT_PROMPTS_DIR
    techspec_templates_dir: Path | None = None
    techspec_log_level: str = "INFO"
    techspec_queue_prefix: str = Field(default="techspec", pattern=r"^[A-Za-z0-9_.:-]+$")
    # auth.test and the model endpoint's /models at start-up; off only where neither can be reached.
    techspec_startup_checks: bool = True

    # Fair use (README, *Limits*): what one person, channel or workspace may start, and the spend budget.
    techspec_max_active_per_user: int = Field(default=3, ge=1, le=1000)
    techspec_max_active_per_channel: int = Field(default=10, ge=1, le=10_000)
    techspec_max_active_per_workspace: int = Field(default=100, ge=1, le=100_000)
    techspec_max_starts_per_user_hour: int = Field(default=10, ge=1, le=10_000)
    techspec_max_queue_depth: int = Field(default=100, ge=1, le=1_000_000)
    techspec_queue_shards: int = Field(default=16, ge=1, le=256)
    techspec_thread_max_messages: int = Field(default=10_000, ge=10, le=100_000)
    techspec_thread_max_chars: int = Field(default=2_000_000, ge=10_000, le=50_000_000)
    # 0 turns a budget off; with both set, whichever is reached first counts.
    techspec_monthly_budget_usd: float = Field(default=200.0, ge=0)
    techspec_monthly_budget_tokens: int = Field(default=0, ge=0)
    techspec_budget_warn_percent: float = Field(default=80.0, gt=0, lt=100)
    # Per-model prices in USD per million tokens, over the bundled table (bot/llm/prices.py), JSON:
    # {"my-model": {"input": 1.0, "cached_input": 0.25, "output": 4.0}}.
    techspec_model_prices: Annotated[dict[str, dict[str, float]], NoDecode] = Field(default_factory=dict)

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr) -> SecretStr:
        return token_shape(value, "xoxb-", "a bot token")

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        return token_shape(value, "xapp-", "an app-level token")

    @field_validator("slack_signing_secret", "openai_api_key")
    @classmethod
    def _not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        # An empty or placeholder secret would fail every request later; say so at start-up instead.
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("is empty")
        if value is not None and PLACEHOLDER.search(value.get_secret_value()):
            raise ValueError("looks like a placeholder from the docs; set the real value")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_slash(cls, value: str) -> str:
        # slack_sdk joins method names onto base_url verbatim, so it must end with a slash.
        http_url(value)
        return value if value.endswith("/") else value + "/"

    @field_validator("openai_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        return http_url(value) if value else None

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            parse_url(value)
        except ValueError as exc:
            raise ValueError(f"must be a URL like redis://host:6379/0 or rediss://... ({exc})") from None
        return value

    @field_validator("techspec_log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    @field_validator("techspec_prompts_dir", "techspec_templates_dir")
    @classmethod
    def _directory(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"must be an existing directory ({value} is not one)")
        return value

    @field_validator("techspec_job_retry_intervals", mode="before")
    @classmethod
    def _intervals(cls, value: Any) -> Any:
        # Both JSON ([5, 30]) and the comma list people write (5,30).
        if isinstance(value, str):
            text = value.strip()
            if not text.startswith("["):
                text = f"[{text}]"
            return json_value(text, "a list of seconds like 5,30 or [5, 30]")
        return value

    @field_validator("techspec_model_token_budgets", "techspec_model_prices", mode="before")
    @classmethod
    def _json_object(cls, value: Any) -> Any:
        return json_value(value, 'a JSON object like {"gpt-4.1": ...}') if isinstance(value, str) else value

    @field_validator("techspec_slack_file_hosts")
    @classmethod
    def _file_hosts(cls, value: str) -> str:
        # The bot token goes to these origins: each must be a plain http(s) origin, nothing else.
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        if not entries:
            raise ValueError("needs at least one origin, e.g. https://files.slack.com")
        for entry in entries:
            scheme, _, rest = entry.rpartition("://")
            if scheme not in ("https", "http", "") or not rest or "/" in rest.rstrip("/") or "@" in rest:
                raise ValueError(f"{entry!r} is not an origin like https://files.slack.com")
        return ",".join(entries)

    def slack_file_hosts(self) -> list[str]:
        """The origins file downloads (with the bot token) may go to."""
        return self.techspec_slack_file_hosts.split(",")

    @field_validator("techspec_model_prices")
    @classmethod
    def _price_rows(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        # A typo here would silently price a model at zero and let its spend run past the budget.
        for model, row in value.items():
            if set(row) - PRICE_FIELDS or not {"input", "output"} <= set(row):
                raise ValueError(f"{model}: give input, output (and optionally cached_input), USD per 1M tokens")
            if any(price < 0 for price in row.values()):
                raise ValueError(f"{model}: prices cannot be negative")
        return value

    def prompt_token_budget(self) -> int:
        """The prompt budget for the configured model (its override, else TECHSPEC_PROMPT_TOKEN_BUDGET)."""
        return self.techspec_model_token_budgets.get(self.openai_model, self.techspec_prompt_token_budget)

    def require_for(self, mode: Mode) -> None:
        """Raise ConfigError naming the first variable the given process mode needs but lacks."""
        if mode in ("web", "worker", "socket") and not self.redis_url:
            raise ConfigError("REDIS_URL", "is required for the web, worker and socket processes")
        if mode == "socket" and self.slack_app_token is None:
            raise ConfigError("SLACK_APP_TOKEN", "is required for the socket process (Socket Mode)")
        if mode == "web" and self.slack_signing_secret is None:
            raise ConfigError("SLACK_SIGNING_SECRET", "is required to verify Slack's HTTP requests")
        if mode == "run" and self.slack_app_token is None and self.slack_signing_secret is None:
            raise ConfigError(
                "SLACK_SIGNING_SECRET", "is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)"
            )


def load_settings(mode: Mode) -> Settings:
    """Load settings from the environment, raising ConfigError with the first offending variable."""
    try:
        settings = Settings()  # type: ignore[call-arg]
    except ValidationError as exc:
        first = exc.errors()[0]
        variable = str(first["loc"][0]).upper() if first["loc"] else "environment"
        message = str(first["msg"]).removeprefix("Value error, ")
        problem = "is missing" if first["type"] == "missing" else f"is invalid: {message}"
        raise ConfigError(variable, problem) from None
    except SettingsError as exc:  # a value pydantic-settings could not even decode
        found = re.search(r'field "(\w+)"', str(exc))
        raise ConfigError(found.group(1).upper() if found else "environment", "could not be parsed") from None
    settings.require_for(mode)
    return settings
