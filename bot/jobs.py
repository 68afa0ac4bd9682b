"""Old job paths: jobs queued before the package layout name `bot.jobs.<function>` (RQ stores the path).

Sessions live 7 days (TECHSPEC_SESSION_TTL_SECONDS) and their jobs may wait in RQ's scheduled and
failed registries as long, so keep this module for at least that long after an upgrade.
"""

from bot.flow.jobs import auto_write, on_job_failure, refresh_answers, run_session, start_from_command, write_session

__all__ = ["auto_write", "on_job_failure", "refresh_answers", "run_session", "start_from_command", "write_session"]
