"""The only module that talks to Slack's Web API: reading threads, posting, uploading and pinning."""

from __future__ import annotations

import logging
import time
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.errors import SlackAccessError, ThreadUnavailableError
from bot.slack.failures import ACCESS_FIXES, as_access_error, slack_error_code
from bot.slack.limits import fit_blocks, fit_text, fit_view
from bot.slack.pages import ThreadPage, fetch_page, without_waits

log = logging.getLogger(__name__)


class BotIdentity(BaseModel):
    """Who the bot is in this workspace (from auth.test)."""

    user_id: str
    bot_id: str | None
    team_id: str
    url: str


class SlackGateway:
    """Thin, typed wrapper over WebClient for the calls the bot makes."""

    def __init__(self, client: WebClient, creating_client: WebClient | None = None) -> None:
        self.client = client
        # For calls that create something (posting a message, sharing a file): retried on 429 only.
        self.creating_client = creating_client or client
        self._identity: BotIdentity | None = None
        self._paging: tuple[WebClient, WebClient] | None = None  # (the client it copies, the copy)

    def identity(self) -> BotIdentity:
        """The bot's own ids and workspace URL (one auth.test per process)."""
        if self._identity is None:
            data = self.client.auth_test()
            self._identity = BotIdentity(
                user_id=str(data["user_id"]),
                bot_id=data.get("bot_id"),
                team_id=str(data.get("team_id", "")),
                url=str(data.get("url", "https://slack.com/")),
            )
        return self._identity

    def respond(self, response_url: str, text: str) -> None:
        """Answer a slash command or shortcut privately through its response_url."""
        WebhookClient(response_url, timeout=10).send(text=fit_text(text), response_type="ephemeral")

    def post(self, channel: str, thread_ts: str | None, text: str, blocks: list[dict] | None = None) -> str:
        """Post a message (in a thread when thread_ts is given) and return its ts."""
        # Never link_names/parse=full: mentions in our text are exactly the ones we built.
        response = self.creating_client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=fit_text(text),
            blocks=fit_blocks(blocks),
            unfurl_links=False,
            unfurl_media=False,
        )
        return str(response["ts"])

    def update(self, channel: str, ts: str, text: str, blocks: list[dict] | None = None) -> None:
        """Replace the text (and blocks) of one of the bot's messages."""
        self.client.chat_update(channel=channel, ts=ts, text=fit_text(text), blocks=fit_blocks(blocks) or [])

    def post_ephemeral(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> None:
        """Show a message only to one person."""
        self.client.chat_postEphemeral(channel=channel, user=user, text=fit_text(text), thread_ts=thread_ts)

    def react(self, channel: str, ts: str, name: str) -> None:
        """Add a reaction, treating 'already there' as success."""
        try:
            self.client.reactions_add(channel=channel, timestamp=ts, name=name)
        except SlackApiError as exc:
            if slack_error_code(exc) != "already_reacted":
                raise

    def unreact(self, channel: str, ts: str, name: str) -> None:
        """Remove a reaction, treating 'not there' as success."""
        try:
            self.client.reactions_remove(channel=channel, timestamp=ts, name=name)
        except SlackApiError as exc:
            if slack_error_code(exc) not in ("no_reaction", "message_not_found"):
                raise

    def read_thread(
        self, channel: str, ts: str, page_size: int = 200, max_messages: int | None = None, oldest: str | None = None
    ) -> list[dict[str, Any]]:
        """The thread containing ts, root first, following cursors until max_messages are read (or all);
        with oldest, only the root and the messages after it."""
        messages: list[dict[str, Any]] = []
        try:
            # The SDK's response iterator follows response_metadata.next_cursor page by page.
            for page in self.client.conversations_replies(channel=channel, ts=ts, limit=page_size, oldest=oldest):
                messages.extend(page.get("messages", []))
                if max_messages is not None and len(messages) >= max_messages:
                    break  # the rest would be left out anyway: don't spend Slack calls on it
        except SlackApiError as exc:
            if slack_error_code(exc) in ("thread_not_found", "message_not_found"):
                raise ThreadUnavailableError(user_message=ACCESS_FIXES["thread_not_found"]) from exc
            raise as_access_error(exc) from exc
        return messages

    def read_page(
        self, channel: str, ts: str, *, limit: int, cursor: str | None = None, oldest: str | None = None
    ) -> ThreadPage:
        """One page of the thread; a 429 raises SlackRateLimitedError at once (bot.slack.pages)."""
        if self._paging is None or self._paging[0] is not self.client:
            self._paging = (self.client, without_waits(self.client))
        try:
            return fetch_page(self._paging[1], channel, ts, limit=limit, cursor=cursor, oldest=oldest)
        except SlackApiError as exc:
            if slack_error_code(exc) in ("thread_not_found", "message_not_found"):
                raise ThreadUnavailableError(user_message=ACCESS_FIXES["thread_not_found"]) from exc
            raise as_access_error(exc) from exc

    def thread_root(self, channel: str, ts: str) -> str:
        """The ts of the root of the thread that contains message ts."""
        try:
            response = self.client.conversations_replies(channel=channel, ts=ts, limit=1)
        except SlackApiError as exc:
            if slack_error_code(exc) in ("thread_not_found", "message_not_found"):
                raise ThreadUnavailableError(user_message=ACCESS_FIXES["thread_not_found"]) from exc
            raise as_access_error(exc) from exc
        found = response.get("messages") or []
        if not found:
            raise ThreadUnavailableError(user_message=ACCESS_FIXES["thread_not_found"])
        return str(found[0].get("thread_ts") or found[0]["ts"])

    def user_profiles(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Display names for the given user ids (one users.info each; callers cache)."""
        names: dict[str, str] = {}
        for user_id in user_ids:
            try:
                user = self.client.users_info(user=user_id)["user"]
            except SlackApiError:
                names[user_id] = user_id
                continue
            profile = user.get("profile") or {}
            names[user_id] = (
                profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user["name"]
            )
        return names

    def user_record(self, user_id: str) -> dict[str, Any] | None:
        """users.info's `user` object (team_id, enterprise_user, is_stranger ...), or None if Slack won't say."""
        try:
            return dict(self.client.users_info(user=user_id)["user"])
        except SlackApiError:
            return None  # user_not_found for someone this token can't see: treated as an outsider

    def is_workspace_admin(self, user_id: str) -> bool:
        """True when users.info says the person is a workspace admin or owner, or (Enterprise Grid) an org
        admin or owner (False if Slack won't say)."""
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError:
            return False
        org = user.get("enterprise_user") or {}
        return bool(
            user.get("is_admin")
            or user.get("is_owner")
            or user.get("is_primary_owner")
            or org.get("is_admin")
            or org.get("is_owner")
        )

    def is_member(self, channel: str, user: str) -> bool:
        """True when user is a member of channel (paging through conversations.members)."""
        try:
            for page in self.client.conversations_members(channel=channel, limit=500):
                if user in page.get("members", []):
                    return True
        except SlackApiError as exc:
            raise as_access_error(exc) from exc
        return False

    def upload_file(
        self,
        *,
        channel: str,
        thread_ts: str,
        filename: str,
        title: str,
        content: bytes,
        initial_comment: str,
        on_file_id: Callable[[str], object],
    ) -> str:
        """Upload content into the thread (files upload v2, step by step) and return the file id."""
        ticket = self.client.files_getUploadURLExternal(filename=filename, length=len(content))
        file_id = str(ticket["file_id"])
        on_file_id(file_id)  # recorded before sharing, so a rerun after a crash can tell what happened
        request = urllib.request.Request(str(ticket["upload_url"]), data=content, method="POST")
        request.add_header("Content-Type", "application/octet-stream")
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - URL issued by Slack
            if response.status != 200:
                raise SlackAccessError(f"upload_http_{response.status}", user_message="Uploading the file failed.")
        self.creating_client.files_completeUploadExternal(
            files=[{"id": file_id, "title": title}],
            channel_id=channel,
            thread_ts=thread_ts,
            initial_comment=fit_text(initial_comment),
        )
        return file_id

    def file_share_ts(self, file_id: str, channel: str) -> str | None:
        """The ts of the message sharing the file in channel, once Slack has finished sharing it."""
        file = self.client.files_info(file=file_id)["file"]
        shares = file.get("shares") or {}
        for visibility in ("public", "private"):
            entries = (shares.get(visibility) or {}).get(channel) or []
            if entries:
                return str(entries[0]["ts"])
        return None

    def wait_for_share(self, file_id: str, channel: str, timeout: float) -> str | None:
        """Poll files.info with backoff until the share appears; None when it did not within timeout."""
        # Sharing completes asynchronously after completeUploadExternal; its response has no shares yet.
        # Gentle backoff from a short first wait: the share usually lands within a second, and each
        # doubling past it is time the person waits for nothing (files.info allows 100+ calls a minute).
        deadline = time.monotonic() + timeout
        delay = 0.1
        while True:
            share_ts = self.file_share_ts(file_id, channel)
            if share_ts or time.monotonic() >= deadline:
                return share_ts
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 1.5, 3.0)

    def pin(self, channel: str, ts: str) -> None:
        """Pin a message, treating 'already pinned' as success."""
        try:
            self.client.pins_add(channel=channel, timestamp=ts)
        except SlackApiError as exc:
            if slack_error_code(exc) != "already_pinned":
                raise

    def unpin(self, channel: str, ts: str) -> None:
        """Unpin a message, treating 'not pinned' or 'gone' as success."""
        try:
            self.client.pins_remove(channel=channel, timestamp=ts)
        except SlackApiError as exc:
            if slack_error_code(exc) not in ("no_pin", "message_not_found", "not_pinned"):
                raise

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> str:
        """Open a modal for the person who clicked (the trigger_id is valid for 3 s, once); return its id."""
        return str(self.client.views_open(trigger_id=trigger_id, view=fit_view(view))["view"]["id"])

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        """Publish a person's App Home tab."""
        self.client.views_publish(user_id=user_id, view=fit_view(view))

    def channel_name(self, channel: str) -> str:
        """The channel's name (its id when Slack won't say)."""
        try:
            return str(self.client.conversations_info(channel=channel)["channel"].get("name") or channel)
        except SlackApiError:
            return channel

    def channel_team(self, channel: str) -> str | None:
        """The workspace a channel is in, as this token sees it (conversations.info's context_team_id): for an
        org-wide token, which of the org's workspaces; None when Slack won't say."""
        try:
            found = self.client.conversations_info(channel=channel)["channel"].get("context_team_id")
        except SlackApiError:
            return None
        return str(found) if found else None

    def permalink(self, channel: str, ts: str) -> str | None:
        """A link to the message, or None when Slack would not give one."""
        try:
            return str(self.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
        except SlackApiError:
            return None
