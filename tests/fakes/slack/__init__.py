"""A local Slack emulator for tests: Web API server, signed event delivery, fault injection."""

from .activity import Posted
from .emulator import SlackEmulator
from .models import ApiError, Delivery, FileRecord, RecordedCall

__all__ = ["ApiError", "Delivery", "FileRecord", "Posted", "RecordedCall", "SlackEmulator"]
