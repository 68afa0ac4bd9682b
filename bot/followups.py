"""Old job path: reminders queued before the package layout name `bot.followups.remind` (RQ stores the path).

A reminder waits up to TECHSPEC_REMINDER_SECONDS (a day) in RQ's scheduled registry; keep this module for
at least a session's lifetime (7 days) after an upgrade.
"""

from bot.flow.jobs import remind

__all__ = ["remind"]
