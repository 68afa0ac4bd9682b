"""The per-process clients (Redis, Slack, model, prompts, queue), built once from Settings.

Listeners receive the Runtime explicitly. RQ calls job functions with plain arguments only, so the
job entry points (`bot.flow.jobs`, and nothing else) find it through `current_runtime()`, set once
by each process's entry point before any job runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import redis

from bot.config import Settings
from bot.llm.capabilities import CallOptions
from bot.llm.client import ModelClient
from bot.llm.port import PromptedModel
from bot.llm.prompts import PromptLibrary
from bot.slack.gateway import SlackGateway, build_web_client
from bot.slack.people import UserDirectory
from bot.store.caches import NameCache, OnceMarkers, RecentSpecs
from bot.store.capabilities import RedisCapabilities
from bot.store.queue import FailureCallback, JobQueue, JobTable
from bot.store.sessions import SessionStore


@dataclass
class Runtime:
    """Everything a listener or a job needs, created once per process and passed in."""

    settings: Settings
    redis: redis.Redis
    store: SessionStore
    slack: SlackGateway
    users: UserDirectory
    queue: JobQueue
    prompts: PromptLibrary
    recent: RecentSpecs
    markers: OnceMarkers
    _model: ModelClient | None = field(default=None, repr=False)
    _model_pid: int = 0

    @property
    def model(self) -> ModelClient:
        """The model client, created lazily in the process that uses it (never shared across a fork)."""
        if self._model is None or self._model_pid != os.getpid():
            s = self.settings
            self._model = ModelClient(
                api_key=s.openai_api_key.get_secret_value(),
                base_url=s.openai_base_url,
                model=s.openai_model,
                timeout=s.openai_timeout_seconds,
                max_retries=s.openai_max_retries,
                options=call_options(s),
                capabilities=RedisCapabilities(self.redis, s.techspec_capability_ttl_seconds),
            )
            self._model_pid = os.getpid()
        return self._model

    @property
    def llm(self) -> PromptedModel:
        """The model port the spec services take: this process's model client with the prompt library."""
        return PromptedModel(self.model, self.prompts)


def call_options(settings: Settings) -> CallOptions:
    """How model calls are made, from settings (the eval builds its client with the same)."""
    return CallOptions(
        mode=settings.structured_mode,
        temperature=settings.openai_temperature,
        seed=settings.openai_seed,
        max_output_tokens=settings.techspec_max_output_tokens,
        context_window=settings.techspec_context_window,
        slots=settings.openai_server_slots,
    )


@dataclass(frozen=True)
class JobWiring:
    """The job functions the queue enqueues by kind, and RQ's give-up callback (from bot.flow.jobs)."""

    jobs: JobTable
    on_failure: FailureCallback | None = None


def connect_redis(redis_url: str) -> redis.Redis:
    """A Redis client with timeouts, so a stalled server fails calls instead of hanging them."""
    return redis.Redis.from_url(redis_url, socket_timeout=10, socket_connect_timeout=3, health_check_interval=30)


def build_runtime(settings: Settings, connection: redis.Redis, jobs: JobWiring) -> Runtime:
    """Create the clients for this process from settings, around an already made Redis client."""
    token = settings.slack_bot_token.get_secret_value()
    client = build_web_client(token, settings.slack_api_url)
    slack = SlackGateway(client, build_web_client(token, settings.slack_api_url, idempotent_only=True))
    return Runtime(
        settings=settings,
        redis=connection,
        store=SessionStore(connection, settings.techspec_session_ttl_seconds),
        slack=slack,
        users=UserDirectory(NameCache(connection), slack),
        queue=JobQueue(
            connection,
            settings.techspec_queue_prefix,
            jobs=jobs.jobs,
            on_failure=jobs.on_failure,
            job_timeout=settings.techspec_job_timeout_seconds,
            retry_intervals=settings.techspec_job_retry_intervals,
        ),
        prompts=PromptLibrary(settings.techspec_prompts_dir, settings.techspec_templates_dir),
        recent=RecentSpecs(connection),
        markers=OnceMarkers(connection),
    )


_current: Runtime | None = None


def set_runtime(runtime: Runtime) -> None:
    """Make runtime the one jobs in this process use (set by each entry point at start)."""
    global _current
    _current = runtime


def current_runtime() -> Runtime:
    """The runtime of this process; a forked job process inherits its parent's."""
    if _current is None:
        raise RuntimeError("no runtime: start the process through `python -m bot`")
    return _current
