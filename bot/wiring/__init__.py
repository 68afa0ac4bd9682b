"""The per-process clients (Redis, Slack, model, prompts, queue), built once from Settings.

`runtime` builds them; `Runtime.for_tenant` gives the same clients as one workspace sees them (its
installation's Slack token, its admin's settings), through the tenant adapters the other modules here add.
"""

from bot.wiring.rotation import RefreshingInstallationStore, WorkspaceNotInstalled, WorkspaceUnavailable
from bot.wiring.runtime import (
    JobWiring,
    Runtime,
    build_runtime,
    call_options,
    connect_redis,
    current_runtime,
    probe_redis,
    set_runtime,
)

__all__ = [
    "JobWiring",
    "Runtime",
    "build_runtime",
    "call_options",
    "connect_redis",
    "current_runtime",
    "probe_redis",
    "set_runtime",
    "WorkspaceNotInstalled",
    "WorkspaceUnavailable",
    "RefreshingInstallationStore",
]
