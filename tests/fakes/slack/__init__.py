"""A local Slack emulator for tests: Web API server, signed event delivery, fault injection."""

from .accounts import Installation, Org
from .activity import Posted
from .emulator import SlackEmulator
from .handle import WorkspaceHandle
from .models import ApiError, Delivery, FileRecord, RecordedCall

__all__ = [
    "ApiError",
    "Delivery",
    "FileRecord",
    "Installation",
    "Org",
    "Posted",
    "RecordedCall",
    "SlackEmulator",
    "WorkspaceHandle",
]
