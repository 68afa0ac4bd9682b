"""The Web API method table: Slack method name -> handler(emulator, params) -> response dict."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import api_chat, api_files, api_items, api_oauth, api_read, api_views
from .models import Params

if TYPE_CHECKING:
    from .emulator import SlackEmulator

Handler = Callable[["SlackEmulator", Params], dict[str, Any]]

HANDLERS: dict[str, Handler] = {
    **api_read.HANDLERS,
    **api_chat.HANDLERS,
    **api_files.HANDLERS,
    **api_items.HANDLERS,
    **api_views.HANDLERS,
    # auth.test answers per token (workspace or org-wide install).
    **api_oauth.HANDLERS,
}
