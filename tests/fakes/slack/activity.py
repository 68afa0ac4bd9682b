"""Human activity: what Slack sends the bot when people post, edit, run commands and click things."""

from __future__ import annotations

import copy
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from . import payloads
from .api_views import find_view
from .delivery import FORM, JSON
from .models import ApiError, Delivery
from .store import Channel

if TYPE_CHECKING:
    from .delivery import Deliverer
    from .workspace import Workspace


class Posted(str):
    """A message ts (a plain str) that also carries the deliveries made when it was posted."""

    deliveries: list[Delivery]

    def __new__(cls, ts: str, deliveries: list[Delivery]) -> Posted:
        obj = super().__new__(cls, ts)
        obj.deliveries = deliveries
        return obj


class ActivityMixin:
    """SlackEmulator methods that act as a person and deliver signed requests to the bot."""

    ws: Workspace
    deliverer: Deliverer

    def _mentions_bot(self, text: str) -> bool:
        return re.search(rf"<@{re.escape(self.ws.ident.bot_user_id)}(\|[^>]*)?>", text) is not None

    def _send_event(self, event: dict[str, Any]) -> Delivery:
        body = payloads.envelope(self.ws, event)
        return self.deliverer.deliver_event(json.dumps(body).encode(), body["event_id"])

    def _bot_sees(self, chan: Channel) -> bool:
        # Slack delivers nothing to an app that is not installed in the workspace (never, or uninstalled).
        return chan.is_member(self.ws.ident.bot_user_id) and self.ws.installation is not None

    def post_message(
        self,
        channel: str,
        user: str,
        text: str,
        thread_ts: str | None = None,
        files: list[dict[str, Any]] | None = None,
        deliver: bool = True,
        subtype: str | None = None,
    ) -> Posted:
        """Store a person's message and deliver `message` (+ `app_mention` when the bot is @-mentioned)."""
        chan, msg = self.ws.human_message(channel, user, text, thread_ts=thread_ts, files=files, subtype=subtype)
        with self.ws.lock:
            snapshot = copy.deepcopy(msg)
        deliveries: list[Delivery] = []
        for seer in self._audiences(chan) if deliver else []:
            # Two separate envelopes with different event_ids, exactly like Slack's double delivery.
            deliveries.append(seer._send_event(payloads.message_event(chan, snapshot)))
            if seer._mentions_bot(text) and not chan.is_im:
                deliveries.append(seer._send_event(payloads.mention_event(chan, snapshot)))
        return Posted(snapshot["ts"], deliveries)

    def _audiences(self, chan: Channel) -> list[ActivityMixin]:
        # This workspace, then the others a shared channel belongs to: each install whose bot is in the
        # channel gets the event once, seen from its own workspace (an org install only once).
        seers: list[ActivityMixin] = [self]
        seers += [self.workspace(team) for team in chan.teams if team != self.ws.ident.team_id]  # type: ignore[attr-defined]
        chosen: dict[int, ActivityMixin] = {}
        for seer in seers:
            if seer._bot_sees(chan):
                chosen.setdefault(id(seer.ws.installation), seer)
        return list(chosen.values())

    def edit_message(self, channel: str, ts: str, new_text: str, deliver: bool = True) -> list[Delivery]:
        """Edit a stored message and deliver the hidden `message_changed` event."""
        with self.ws.lock:
            chan = self.ws.channel(channel)
            msg = chan.msgs[ts]
            before = copy.deepcopy(msg)
            msg["text"] = new_text
            msg["edited"] = {"user": msg.get("user"), "ts": self.ws.clock.next()}
            event = payloads.changed_event(self.ws, chan, copy.deepcopy(msg), before)
        return [self._send_event(event)] if deliver and self._bot_sees(chan) else []

    def delete_message(self, channel: str, ts: str, deliver: bool = True) -> list[Delivery]:
        """Delete a stored message and deliver the hidden `message_deleted` event."""
        with self.ws.lock:
            chan = self.ws.channel(channel)
            before = copy.deepcopy(chan.remove(ts))
            event = payloads.deleted_event(self.ws, chan, before)
        return [self._send_event(event)] if deliver and self._bot_sees(chan) else []

    def _interaction(
        self, kind: str, user: str, chan: Channel | None, message_ts: str | None = None
    ) -> tuple[str, str]:
        trigger_id = self.ws.issue_trigger(user)
        origin = {
            "kind": kind,
            "user": user,
            "channel": chan.id if chan else None,
            "message_ts": message_ts,
            "trigger_id": trigger_id,
            "team_id": self.ws.ident.team_id,
        }
        return trigger_id, self.ws.issue_response_url(origin)

    def _stored(self, channel: str, ts: str) -> tuple[Channel, dict[str, Any]]:
        with self.ws.lock:
            chan = self.ws.channel(channel)
            msg = chan.get(ts)
        if msg is None:
            raise KeyError(f"no message {ts} in {channel}")
        return chan, msg

    def send_slash_command(
        self, user: str = "UANA", channel: str = "C100", text: str = "", command: str = "/techspec"
    ) -> Delivery:
        """Deliver a signed, form-encoded slash command (Slack never sends these from threads)."""
        with self.ws.lock:
            chan = self.ws.channel(channel)
        trigger_id, response_url = self._interaction("slash_command", user, chan)
        fields = payloads.slash_command(self.ws, user, chan, command, text, response_url, trigger_id)
        return self.deliverer.attempt(urlencode(fields).encode(), FORM)

    def _send_payload(self, payload: dict[str, Any]) -> Delivery:
        return self.deliverer.attempt(urlencode({"payload": json.dumps(payload)}).encode(), FORM)

    def send_message_shortcut(
        self, user: str, channel: str, message_ts: str, callback_id: str = "techspec"
    ) -> Delivery:
        """Deliver a `message_action` payload for a stored message (reply messages carry thread_ts)."""
        chan, msg = self._stored(channel, message_ts)
        trigger_id, response_url = self._interaction("message_action", user, chan, message_ts)
        payload = payloads.message_action(self.ws, user, chan, msg, callback_id, response_url, trigger_id)
        return self._send_payload(payload)

    def send_block_action(
        self, user: str, channel: str, message_ts: str, action_id: str, value: str, block_id: str = "b1"
    ) -> Delivery:
        """Deliver a `block_actions` payload for a button click on a stored message."""
        chan, msg = self._stored(channel, message_ts)
        trigger_id, response_url = self._interaction("block_actions", user, chan, message_ts)
        action = {
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
            "type": "button",
            "action_ts": self.ws.clock.next(),
            "text": {"type": "plain_text", "text": value},
        }
        payload = payloads.block_actions(self.ws, user, chan, msg, action, response_url, trigger_id)
        return self._send_payload(payload)

    def send_view_submission(self, user: str, view: dict[str, Any], values: dict[str, Any]) -> Delivery:
        """Deliver a `view_submission` of an opened modal (matched by id) with `state.values` = values."""
        with self.ws.lock:
            view_id = view.get("id") or view.get("view", {}).get("id")
            try:
                record: dict[str, Any] | None = find_view(self, view_id)  # type: ignore[arg-type]
            except ApiError:
                record = None
            merged = copy.deepcopy(record["view"] if record else view)
        merged["state"] = {"values": values}
        trigger_id = self.ws.issue_trigger(user)
        delivery = self._send_payload(payloads.view_submission(self.ws, user, merged, trigger_id))
        if record is not None:
            self._apply_view_ack(record, delivery)
        return delivery

    def _apply_view_ack(self, record: dict[str, Any], delivery: Delivery) -> None:
        # A view_submission ack may update the modal in place, show errors, or (empty ack) close it.
        answer = delivery.json() or {}
        with self.ws.lock:
            if answer.get("response_action") == "update" and isinstance(answer.get("view"), dict):
                record["view"] = {**record["view"], **answer["view"]}
            elif delivery.ok and not answer.get("response_action"):
                record["closed"] = True

    def send_home_action(self, user: str, action_id: str, value: str = "") -> Delivery:
        """Deliver a `block_actions` payload for a button on the person's published Home tab."""
        with self.ws.lock:
            view = copy.deepcopy(self.ws.home_views.get(user) or {"id": "", "type": "home", "blocks": []})
        trigger_id = self.ws.issue_trigger(user)
        action = {"action_id": action_id, "block_id": "b1", "value": value, "type": "button"}
        action["action_ts"] = self.ws.clock.next()
        return self._send_payload(payloads.home_block_actions(self.ws, user, view, action, trigger_id))

    def upload_for_input(self, user: str, name: str, content: bytes | str) -> dict[str, Any]:
        """A file a person picked in a modal's `file_input`: stored (its url_private downloadable with the
        bot token) and returned as the file object Slack puts in the submission's `files`."""
        with self.ws.lock:
            return self.ws._register_file({"name": name, "content": content, "filetype": "text"}, user)

    def send_app_home_opened(self, user: str) -> Delivery:
        """Deliver `app_home_opened` for the Home tab."""
        with self.ws.lock:
            dm = next((c.id for c in self.ws.channels.values() if c.is_im and user in c.members), f"D{user}")
            event = payloads.home_opened_event(self.ws, user, dm)
        return self._send_event(event)

    def deliver(
        self,
        body: bytes | dict[str, Any],
        content_type: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        signed: bool = True,
        timestamp: int | None = None,
    ) -> Delivery:
        """Low-level signed (or unsigned) POST to the bot; Events API bodies get Slack retries if enabled."""
        raw = json.dumps(body).encode() if isinstance(body, dict) else body
        ctype = content_type or (JSON if raw.lstrip().startswith(b"{") else FORM)
        if ctype == JSON and retry_num is None and signed and timestamp is None:
            try:
                event_id = json.loads(raw).get("event_id")
            except ValueError:
                event_id = None
            return self.deliverer.deliver_event(raw, event_id)
        return self.deliverer.attempt(
            raw, ctype, retry_num=retry_num, retry_reason=retry_reason, signed=signed, timestamp=timestamp
        )
