"""The Runtime: the per-process clients (Redis, Slack, model, prompts, queue), built once from Settings.

Listeners receive the Runtime explicitly. RQ calls job functions with plain arguments only, so the
job entry points (`bot.flow.jobs`, and nothing else) find it through `current_runtime()`, set once
by each process's entry point before any job runs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

import httpx2
import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from bot.config import Settings, WorkspaceSettings
from bot.llm.capabilities import CallOptions
from bot.llm.client import ModelClient, Usage
from bot.llm.egress import checked_client
from bot.llm.port import PromptedModel
from bot.llm.prices import PriceTable
from bot.llm.prompts import PromptLibrary
from bot.slack.client import build_web_client
from bot.slack.files import FileFetcher
from bot.slack.gateway import SlackGateway
from bot.slack.people import UserDirectory
from bot.store.caches import AdminFlags, NameCache, OnceMarkers, RecentSpecs
from bot.store.capabilities import RedisCapabilities
from bot.store.limits import Admission
from bot.store.queue import FailureCallback, JobQueue, JobTable
from bot.store.sessions import SessionStore
from bot.store.usage import UsageLedger
from bot.wiring.installations import TenantInstallations
from bot.wiring.rotation import RefreshingInstallationStore
from bot.wiring.workspace import WorkspaceAdapter, limits_of

# Given a runtime whose `scope` names a workspace, the same runtime with that workspace's parts swapped in.
TenantAdapter = Callable[["Runtime"], "Runtime"]
# Told of each model call's usage while a session's step runs (bot.flow.spend.metered sets it). A context
# variable rather than a field: a model client is shared by the runtimes for_tenant derives, so the meter
# must follow the step that runs, not the runtime that happened to create the client.
_meter: ContextVar[Callable[[Usage], None] | None] = ContextVar("techspec_meter", default=None)


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
    files: FileFetcher
    admission: Admission
    usage: UsageLedger
    prices: PriceTable
    admins: AdminFlags
    # The workspace this runtime serves ("" for the process-wide one; set by for_tenant).
    scope: str = ""
    # Each turns the process-wide runtime into one workspace's (its installation's token, its settings).
    tenant_adapters: tuple[TenantAdapter, ...] = field(default=(), repr=False)
    # OAuth mode: where Bolt finds each workspace's installation (None with the one SLACK_BOT_TOKEN).
    installations: RefreshingInstallationStore | None = field(default=None, repr=False)
    # What the workspace's admins chose (bot.wiring.workspace applies it; None: the operator's defaults).
    workspace: WorkspaceSettings | None = field(default=None, repr=False)
    _model: ModelClient | None = field(default=None, repr=False)
    _model_pid: int = 0
    _quick_model: ModelClient | None = field(default=None, repr=False)
    _quick_model_pid: int = 0

    def for_tenant(self, scope: str) -> Runtime:
        """This runtime as the workspace `scope` (bot.spec.tenancy.TenantRef.scope) sees it."""
        if scope == self.scope:
            return self  # already that workspace's: entry points may each call this without a cost
        runtime = replace(self, scope=scope)
        for adapt in self.tenant_adapters:
            runtime = adapt(runtime)
        return runtime

    @property
    def model(self) -> ModelClient:
        """The model client, created lazily in the process that uses it (never shared across a fork)."""
        if self._model is None or self._model_pid != os.getpid():
            s = self.settings
            self._model = self._new_client(s.openai_timeout_seconds, s.openai_max_retries)
            self._model_pid = os.getpid()
        return self._model

    def _new_client(self, timeout: float, max_retries: int) -> ModelClient:
        """A client for the configured endpoint; every call it makes counts against the workspace's budget."""
        s = self.settings
        client = ModelClient(
            http_client=_checked_http(s, timeout),
            api_key=s.openai_api_key.get_secret_value(),
            base_url=s.openai_base_url,
            model=s.openai_model,
            timeout=timeout,
            max_retries=max_retries,
            options=call_options(s),
            capabilities=RedisCapabilities(self.redis, s.techspec_capability_ttl_seconds),
        )
        client.on_usage = self._count_usage
        return client

    @staticmethod
    def _count_usage(usage: Usage) -> None:
        meter = _meter.get()
        if meter is not None:
            meter(usage)

    @contextmanager
    def metering(self, count: Callable[[Usage], None]) -> Iterator[None]:
        """Within the block, every model call's usage (in this thread) is passed to count."""
        token = _meter.set(count)
        try:
            yield
        finally:
            _meter.reset(token)

    @property
    def attribution_llm(self) -> PromptedModel:
        """The model port for attributing replies: a short timeout and one retry, so a stalled endpoint
        holds a recount for seconds, not minutes (its replies are then kept as general answers)."""
        if self._quick_model is None or self._quick_model_pid != os.getpid():
            s = self.settings
            self._quick_model = self._new_client(
                min(s.techspec_attribution_timeout_seconds, s.openai_timeout_seconds), 1
            )
            self._quick_model_pid = os.getpid()
        return PromptedModel(self._quick_model, self.prompts)

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
    on_failure: FailureCallback


def connect_redis(
    redis_url: str, settings: Settings | None = None, *, socket_timeout: float = 10.0, retries: int = 2
) -> redis.Redis:
    """A Redis client with timeouts, so a stalled server fails calls instead of hanging them.

    redis-py's default (3 retries with up to 10 s between them) turns one call to a frozen server into
    a minute; a short, bounded retry rides out a failover's blip without that.
    """
    tls = {}
    if settings is not None and redis_url.startswith("rediss://"):
        tls["ssl_cert_reqs"] = settings.techspec_redis_ssl_cert_reqs
    return redis.Redis.from_url(
        redis_url,
        socket_timeout=socket_timeout,
        socket_connect_timeout=3,
        health_check_interval=30,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.1), retries),
        **tls,
    )


def probe_redis(redis_url: str, settings: Settings | None = None) -> redis.Redis:
    """A client for health checks: answers within about 2 s whether Redis is reachable, without retrying."""
    return connect_redis(redis_url, settings, socket_timeout=2.0, retries=0)


log = logging.getLogger(__name__)


def build_runtime(settings: Settings, connection: redis.Redis, jobs: JobWiring) -> Runtime:
    """Create the clients for this process from settings, around an already made Redis client."""
    prices = PriceTable(settings.techspec_model_prices)
    if settings.techspec_monthly_budget_usd and not prices.is_listed(settings.openai_model):
        # Not fatal (self-hosted models have no list price), but the operator should know what is counted.
        log.warning("no price for the model: priced as the default model", extra={"model": settings.openai_model})
    # OAuth mode: no process-wide token; each workspace's runtime (for_tenant) gets its installation's.
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = build_web_client(token, settings.slack_api_url)
    slack = SlackGateway(client, build_web_client(token, settings.slack_api_url, idempotent_only=True))
    tenants = TenantInstallations(settings, connection) if settings.oauth_mode() else None
    return Runtime(
        settings=settings,
        redis=connection,
        store=SessionStore(connection, settings.techspec_session_ttl_seconds, settings.techspec_history_grace_seconds),
        slack=slack,
        users=UserDirectory(NameCache(connection, settings.techspec_name_cache_seconds), slack),
        queue=JobQueue(
            connection,
            settings.techspec_queue_prefix,
            jobs=jobs.jobs,
            on_failure=jobs.on_failure,
            job_timeout=settings.techspec_job_timeout_seconds,
            retry_intervals=settings.techspec_job_retry_intervals,
            result_ttl=settings.techspec_job_result_seconds,
            failure_ttl=settings.techspec_job_failure_seconds,
            shards=settings.techspec_queue_shards,
        ),
        prompts=PromptLibrary(settings.techspec_prompts_dir, settings.techspec_templates_dir),
        recent=RecentSpecs(connection, settings.techspec_recent_specs_seconds),
        markers=OnceMarkers(connection),
        files=FileFetcher(token or "", settings.slack_file_hosts()),
        admission=Admission(connection, limits_of(settings)),
        usage=UsageLedger(connection),
        prices=prices,
        admins=AdminFlags(connection),
        tenant_adapters=((tenants.adapt,) if tenants else ()) + (WorkspaceAdapter(settings, connection),),
        installations=tenants.store if tenants else None,
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


def _checked_http(s: Settings, timeout: float) -> httpx2.Client | None:
    """The checked HTTP client (bot.llm.egress) for an endpoint a workspace chose; None for the operator's."""
    if s.openai_base_url is None or s.openai_base_url == s.operator_defaults().openai_base_url:
        return None
    return checked_client(allow_private=s.techspec_workspace_allow_private_endpoints, timeout=timeout)
