"""Forgetting: delete everything stored about a thread, a channel or a workspace.

Every key format is in bot.store.keys; the ids are segments of the keys, so SCAN by pattern finds a
thread's, channel's or workspace's records without an index to keep in step. Two kinds of record name
a thread only in their value (a trigger mark, an App Home entry) and are matched by value; RQ jobs carry
session keys or the command's link in their arguments, and are deleted with their results.
Each SCAN is bounded (COUNT per round trip) and every deletion is idempotent, so a second run is harmless.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import cast

import redis
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus
from rq.results import Result

from bot.spec.records import RecentSpec
from bot.spec.tenancy import SCOPE_SEPARATOR
from bot.store.keys import (
    FORGOTTEN_TTL_SECONDS,
    PREFIX,
    capability_pattern,
    forgotten_key,
    is_family_key,
    legacy_trigger_pattern,
    marker_pattern,
    name_pattern,
    recent_pattern,
    session_key,
    session_key_of,
    slots_pattern,
    starts_pattern,
    trigger_pattern,
)

log = logging.getLogger(__name__)
SCAN_COUNT = 500
TRIGGER_PREFIX = f"{PREFIX}:trigger:"


@dataclass(frozen=True)
class Scope:
    """What to forget: a workspace, one of its channels, or one thread."""

    team_id: str
    channel_id: str | None = None
    thread_ts: str | None = None

    def names_key(self, key: str) -> bool:
        """True when a key's segments name this scope (team; team and channel; team, channel and thread)."""
        parts = key.split(":")
        if self.team_id not in parts:
            return False  # a Slack Connect channel has the same id on both sides: the other tenant's stay
        if self.thread_ts is not None:
            return any(parts[i : i + 2] == [self.channel_id, self.thread_ts] for i in range(len(parts) - 1))
        return self.channel_id is None or self.channel_id in parts

    def names_member(self, member: str) -> bool:
        """True when a set member (a session key, or one with a suffix) belongs to this scope."""
        if self.thread_ts is not None:
            return member.startswith(session_key(self.team_id, self.channel_id or "", self.thread_ts))
        if self.channel_id is not None:
            return f":{self.team_id}:{self.channel_id}:" in member
        return f":{self.team_id}:" in member

    def names_job(self, text: str) -> bool:
        """True when a job's arguments (as text) are about this scope (ids matched whole: C1 is not C10)."""
        if self.thread_ts is not None:
            on_thread = _mentions(text, self.thread_ts) or _mentions(text, "p" + self.thread_ts.replace(".", ""))
            return session_key(self.team_id, self.channel_id or "", self.thread_ts) in text or (
                _mentions(text, self.channel_id or "") and on_thread
            )
        return _mentions(text, self.channel_id or self.team_id)


@dataclass
class Forgotten:
    """What a forget deleted, and the jobs that were running (deleted again once they stop)."""

    keys: int = 0
    jobs: int = 0
    running: list[str] = field(default_factory=list)


class Tombstones:
    """When a thread or channel was forgotten (no ids kept): a request from an older message is a late delivery."""

    def __init__(self, connection: redis.Redis) -> None:
        self.redis = connection

    def mark(self, scope: Scope) -> None:
        """Note now as the time scope (a thread or a channel; not a workspace, which keeps nothing) was forgotten."""
        if scope.channel_id is not None:
            ids = [scope.team_id, scope.channel_id] + ([scope.thread_ts] if scope.thread_ts is not None else [])
            self.redis.set(forgotten_key(*ids), f"{time.time():.6f}", ex=FORGOTTEN_TTL_SECONDS)

    def covers(self, team_id: str, channel_id: str, thread_ts: str, message_ts: str) -> bool:
        """True when the message was sent before its thread or channel was forgotten."""
        keys = [forgotten_key(team_id, channel_id, thread_ts), forgotten_key(team_id, channel_id)]
        marks = [float(raw) for raw in cast(list[bytes | None], self.redis.mget(keys)) if raw is not None]
        try:
            return bool(marks) and float(message_ts) <= max(marks)
        except ValueError:
            return False


class Forgetter:
    """Deletes the bot's records about a scope from Redis: its own keys, and the queue's jobs."""

    def __init__(self, connection: redis.Redis) -> None:
        self.redis = connection

    def forget(self, scope: Scope) -> Forgotten:
        """Delete every record about scope; returns counts (never the ids themselves)."""
        # Trigger marks are matched apart: a shared channel's marks of another tenant name the channel too.
        keys = set(self._scan(f"{PREFIX}:*{scope.channel_id or scope.team_id}*", scope.names_key))
        keys = {k for k in keys if not k.startswith(TRIGGER_PREFIX)}
        sessions = {session_key_of(k) for k in keys if is_family_key(k)}
        if scope.thread_ts is not None:
            sessions.add(session_key(scope.team_id, scope.channel_id or "", scope.thread_ts))
        for key in sessions:
            keys.update(self._scan(marker_pattern(key)))
        keys.update(self._triggers(scope, sessions))
        if scope.channel_id is None:
            # Names cached under the one SLACK_BOT_TOKEN carry no scope (a workspace's own are matched above).
            keys.update(k for k in self._scan(name_pattern()) if k.count(":") == 2)
            keys.update(self._scan(capability_pattern()))  # rediscovered on the next call
        else:
            self._forget_recent(scope)
        self._forget_members(scope)
        deleted = sum(int(cast(int, self.redis.delete(*batch))) for batch in _batches(sorted(keys)))
        jobs, running = self._forget_jobs(scope)
        log.info("forgot", extra={"keys": deleted, "jobs": jobs, "running": len(running)})
        return Forgotten(keys=deleted, jobs=jobs, running=running)

    def org_scopes(self, enterprise_id: str) -> list[str]:
        """Every scope of an org-wide install's workspaces that has records ("E….T…"), queued jobs included (a
        `/techspec` queued for a workspace that has nothing else stored names its scope only in its arguments)."""
        prefix = f"{enterprise_id}{SCOPE_SEPARATOR}"
        found = {
            part
            for key in self._scan(f"{PREFIX}:*{prefix}*")
            for part in key.split(":")
            if part.startswith(prefix) and len(part) > len(prefix)
        }
        named = re.compile(rf"(?<![A-Za-z0-9.]){re.escape(prefix)}[A-Za-z0-9]+")
        for job in self._jobs():
            found.update(named.findall(_job_text(job)))
        return sorted(found)

    def forget_settled(self, scope: Scope, wait_seconds: float = 30.0) -> Forgotten:
        """Forget, then wait (bounded) for jobs that were running to stop, and forget again what they wrote.
        A job that ends after its session was forgotten keeps no record (bot.flow.jobs.session_job): RQ would
        otherwise save it again, arguments and all, when it finishes."""
        Tombstones(self.redis).mark(scope)  # first: a request arriving while this runs is refused too
        result = self.forget(scope)
        deadline = time.monotonic() + wait_seconds
        while result.running and time.monotonic() < deadline:
            time.sleep(0.5)
            if any(self._is_running(job_id) for job_id in result.running):
                continue
            again = self.forget(scope)
            result = Forgotten(result.keys + again.keys, result.jobs + again.jobs, again.running)
        return result

    def _scan(self, pattern: str, keep: Callable[[str], bool] | None = None) -> list[str]:
        found = []
        for raw in self.redis.scan_iter(match=pattern, count=SCAN_COUNT):
            key = raw.decode() if isinstance(raw, bytes) else str(raw)
            if keep is None or keep(key):
                found.append(key)
        return found

    def _triggers(self, scope: Scope, sessions: set[str]) -> list[str]:
        """Trigger marks of the scope's tenant only (a Slack Connect channel's other side keeps its own): a
        workspace's or channel's all; a thread's those on its root or whose value is its session."""
        marks = self._scan(trigger_pattern(scope.team_id, scope.channel_id))
        if scope.thread_ts is not None:
            on_root = [k for k in marks if k.endswith(f":{scope.thread_ts}")]
            marks = on_root + self._by_value(marks, lambda value: value in sessions)
        # Marks from before they were per tenant name no tenant in their key: taken by their value (the session
        # they started); the valueless ones (clicks) name nobody's data and expire with the session TTL.
        legacy = [k for k in self._scan(legacy_trigger_pattern(scope.channel_id)) if _is_legacy_trigger(k)]
        return marks + self._by_value(legacy, lambda value: value in sessions or scope.names_member(value))

    def _by_value(self, keys: list[str], match: Callable[[str], bool]) -> list[str]:
        if not keys:
            return []
        values = cast(list[bytes | None], self.redis.mget(keys))
        return [k for k, v in zip(keys, values, strict=True) if v is not None and match(v.decode(errors="replace"))]

    def _forget_recent(self, scope: Scope) -> None:
        """Remove the scope's entries from everyone's App Home list (the rest of each list stays)."""
        for key in self._scan(recent_pattern(scope.team_id)):
            for member in cast(list[bytes], self.redis.zrange(key, 0, -1)):
                entry = RecentSpec.model_validate_json(member)
                if entry.channel_id == scope.channel_id and (
                    scope.thread_ts is None or scope.thread_ts in (entry.thread_ts, None)
                ):
                    self.redis.zrem(key, member)

    def _forget_members(self, scope: Scope) -> None:
        """Take the scope's sessions out of the fair-use sets (active slots, start history) that others share."""
        sets = [k for k in self._scan(slots_pattern()) if scope.team_id in k.split(":")]
        for key in sets + self._scan(starts_pattern(scope.team_id)):
            members = [m.decode() for m, _ in self.redis.zscan_iter(key, count=SCAN_COUNT)]
            gone = [m for m in members if scope.names_member(m)]
            if gone:
                self.redis.zrem(key, *gone)

    def _forget_jobs(self, scope: Scope) -> tuple[int, list[str]]:
        """Delete the queue's jobs about scope (queued, scheduled, running, finished, failed) and their results."""
        deleted, running = 0, []
        for job in self._jobs():
            if not scope.names_job(_job_text(job)):
                continue
            if job.get_status(refresh=False) == JobStatus.STARTED:
                running.append(job.id)
            try:
                job.delete(remove_from_queue=True)
            except (NoSuchJobError, InvalidJobOperation):
                continue  # gone meanwhile: finished with no result kept, or deleted by another forget
            self.redis.delete(Result.get_key(job.id), f"rq:executions:{job.id}")
            deleted += 1
        return deleted, running

    def _jobs(self) -> list[Job]:
        """Every job the queue still holds (queued, scheduled, running, finished, failed)."""
        ids = [key.removeprefix("rq:job:") for key in self._scan("rq:job:*") if key.count(":") == 2]
        return [job for job in Job.fetch_many(ids, connection=self.redis) if job is not None]

    def _is_running(self, job_id: str) -> bool:
        try:
            return Job.fetch(job_id, connection=self.redis).get_status() == JobStatus.STARTED
        except (NoSuchJobError, InvalidJobOperation):
            return False


def _is_legacy_trigger(key: str) -> bool:
    """True for a trigger mark in the format without a tenant (its first part is a channel: C…, G…, D…)."""
    return key.removeprefix(TRIGGER_PREFIX)[:1] not in ("T", "E")


def _mentions(text: str, token: str) -> bool:
    """True when token appears in text as a whole id (not inside a longer id or number)."""
    return bool(token) and re.search(rf"(?<![A-Za-z0-9.]){re.escape(token)}(?![A-Za-z0-9])", text) is not None


def _job_text(job: Job) -> str:
    """A job's arguments as text (what ids they name); a job whose arguments cannot be read names nothing."""
    try:
        return repr(job.args) + repr(job.kwargs)
    except Exception:  # noqa: BLE001 - an unreadable old job: leave it to its TTL
        return ""


def _batches(keys: Iterable[str], size: int = 500) -> Iterable[list[str]]:
    batch: list[str] = []
    for key in keys:
        batch.append(key)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
