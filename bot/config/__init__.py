"""Settings: every environment variable the bot reads, validated once at start-up.

`Settings` is assembled from mixins, one per concern (`oauth`, `workspaces`, and the core in `settings`).
"""

from bot.config.checks import ConfigError
from bot.config.settings import DEFAULT_PROMPTS_DIR, REPO_ROOT, Mode, Settings, load_settings
from bot.config.workspaces import ChannelMode, WorkspaceSettings

__all__ = [
    "DEFAULT_PROMPTS_DIR",
    "REPO_ROOT",
    "ChannelMode",
    "ConfigError",
    "Mode",
    "Settings",
    "WorkspaceSettings",
    "load_settings",
]
