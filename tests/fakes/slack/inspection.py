"""Read-only views of the emulator's state for assertions (all return copies or live records)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import Delivery, FileRecord, RecordedCall

if TYPE_CHECKING:
    from .workspace import Workspace


class InspectionMixin:
    """SlackEmulator accessors for recorded calls, deliveries, messages, files, pins and views."""

    ws: Workspace

    @property
    def requests(self) -> list[RecordedCall]:
        """Every Web API call (plus "upload" and "response_url" pseudo-methods), oldest first."""
        return self.ws.requests

    def calls(self, method: str, team_id: str | None = None, *, token: str | None = None) -> list[RecordedCall]:
        """The recorded calls of one method, optionally only those served by one workspace or made with one token."""
        with self.ws.lock:
            return [
                c
                for c in self.ws.requests
                if c.method == method and team_id in (None, c.team_id) and token in (None, c.token)
            ]

    def reset_requests(self) -> None:
        """Forget recorded Web API calls."""
        with self.ws.lock:
            self.ws.requests.clear()

    @property
    def deliveries(self) -> list[Delivery]:
        """Every signed request sent to the bot (each retry attempt separately)."""
        return self.ws.deliveries

    @property
    def violations(self) -> list[str]:
        """Calls real Slack accepts but this bot must not make."""
        return self.ws.violations

    @property
    def files(self) -> dict[str, FileRecord]:
        """Uploaded files by id (`content`, `filename`, `title`, `channel_id`, `thread_ts`, `shares`...)."""
        return self.ws.files

    @property
    def ephemerals(self) -> list[dict[str, Any]]:
        """chat.postEphemeral messages (channel, user, text, blocks, thread_ts, ts)."""
        return self.ws.ephemerals

    @property
    def responses(self) -> list[tuple[str, dict[str, Any]]]:
        """(response_url id, payload) for every POST to a response_url."""
        return self.ws.responses

    @property
    def response_urls(self) -> dict[str, dict[str, Any]]:
        """response_url id -> the request that issued it (kind, user, channel, message_ts, trigger_id)."""
        return self.ws.response_urls

    @property
    def views(self) -> list[dict[str, Any]]:
        """Opened/pushed modals: {"id", "view", "user", "trigger_id"}."""
        return self.ws.views

    @property
    def home_views(self) -> dict[str, dict[str, Any]]:
        """Published Home tabs by user id."""
        return self.ws.home_views

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Every stored message of a channel (roots and replies, bot's included) in ts order."""
        with self.ws.lock:
            return self.ws.channel(channel).ordered()

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """One stored message (a copy), or None."""
        with self.ws.lock:
            return self.ws.channel(channel).get(ts)

    def thread(self, channel: str, root_ts: str) -> list[dict[str, Any]]:
        """Root then replies of the thread containing `root_ts`."""
        with self.ws.lock:
            chan = self.ws.channel(channel)
            root = chan.root_of(root_ts)
            if root is None:
                return []
            return [m for m in (chan.get(ts) for ts in [root, *chan.replies.get(root, [])]) if m]

    def bot_messages(self, channel: str, root_ts: str | None = None) -> list[dict[str, Any]]:
        """Messages posted by this bot, in the channel or only in one thread."""
        msgs = self.thread(channel, root_ts) if root_ts else self.messages(channel)
        return [m for m in msgs if m.get("bot_id") == self.ws.ident.bot_id]

    def pins(self, channel: str) -> list[str]:
        """Pinned message ts values, in pin order."""
        with self.ws.lock:
            return list(self.ws.channel(channel).pins)

    def reactions(self, channel: str, ts: str) -> list[str]:
        """Reaction names on a message."""
        msg = self.message(channel, ts) or {}
        return [r["name"] for r in msg.get("reactions", [])]
