"""Settings bounding what a workspace's admin may choose for their workspace (App Home settings)."""

from __future__ import annotations

from pydantic_settings import BaseSettings


class WorkspaceDefaults(BaseSettings):
    """What workspace admins may override, and within which bounds; the defaults are the other settings."""
