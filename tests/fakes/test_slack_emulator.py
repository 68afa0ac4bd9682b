"""Tests of the Slack emulator itself, driven through a real slack_sdk WebClient and a local receiver."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack import SlackEmulator
from tests.support.waiting import wait_until

SECRET = "s3cr3t"
TOKEN = "xoxb-test-token"


class Receiver:
    """A tiny stand-in for the bot's /slack/events endpoint that checks Slack signatures."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []  # scripted answers, popped per request; 200 once exhausted
        self.delays: list[float] = []  # scripted response delays, to play a bot that misses Slack's deadline
        self.extra_headers: dict[str, str] = {}
        self.lock = threading.Lock()
        self.verifier = SignatureVerifier(SECRET)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def do_POST(self) -> None:
                """Verify, record, answer with the next scripted status."""
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver.record(body, {k.lower(): v for k, v in self.headers.items()})
                with receiver.lock:
                    delay = receiver.delays.pop(0) if receiver.delays else 0.0
                if delay:
                    time.sleep(delay)  # the fake bot being slow, not the test waiting
                self.send_response(status)
                for name, value in receiver.extra_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def record(self, body: bytes, headers: dict[str, str]) -> int:
        """Store one request; answer 401 for a bad signature like Bolt does."""
        valid = self.verifier.is_valid(
            body=body.decode(),
            timestamp=headers.get("x-slack-request-timestamp"),
            signature=headers.get("x-slack-signature"),
        )
        with self.lock:
            self.requests.append({"body": body, "headers": headers, "valid": valid})
            if not valid:
                return 401
            return self.statuses.pop(0) if self.statuses else 200

    def events(self) -> list[dict[str, Any]]:
        """Parsed JSON bodies received so far."""
        with self.lock:
            return [json.loads(r["body"]) for r in self.requests if r["body"].startswith(b"{")]


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    emulator = SlackEmulator(
        signing_secret=SECRET, bot_token=TOKEN, team_id="T0001", bot_user_id="UBOT", bot_id="BBOT", team_domain="acme"
    )
    emulator.start()
    emulator.add_user("UANA", "ana", real_name="Ana Lopez", display_name="Ana")
    emulator.add_user("UBOB", "bob")
    emulator.add_channel("C100", "design", members=["UANA", "UBOB", "UBOT"])
    emulator.add_channel("C200", "random", members=["UANA"])
    emulator.add_channel("G300", "secret", members=["UANA"], is_private=True)
    emulator.share_delay = 0.05
    yield emulator
    emulator.stop()


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(base_url=emu.api_url, token=TOKEN)


@pytest.fixture
def receiver(emu: SlackEmulator) -> Iterator[Receiver]:
    rec = Receiver()
    emu.events_url = rec.url
    yield rec
    rec.server.shutdown()
    rec.server.server_close()


def api_error(call: Callable[[], Any]) -> SlackApiError:
    """Run a Web API call that must fail and return the SlackApiError."""
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value


def test_auth(emu: SlackEmulator, client: WebClient) -> None:
    assert api_error(lambda: WebClient(base_url=emu.api_url).auth_test()).response["error"] == "not_authed"
    bad = WebClient(base_url=emu.api_url, token="xoxb-wrong")
    assert api_error(bad.auth_test).response["error"] == "invalid_auth"
    resp = client.auth_test()
    assert resp["user_id"] == "UBOT" and resp["bot_id"] == "BBOT" and resp["url"] == "https://acme.slack.com/"
    err = api_error(lambda: client.api_call("nope.nope"))
    assert err.response.status_code == 404 and err.response["error"] == "unknown_method"
    assert [c.method for c in emu.requests][-1] == "nope.nope"


def test_thread_pagination_in_order(emu: SlackEmulator, client: WebClient) -> None:
    root = emu.seed_message("C100", "UANA", "let's design X")
    posted = [client.chat_postMessage(channel="C100", thread_ts=root, text=f"r{i}")["ts"] for i in range(5)]
    pages, cursor = [], None
    while True:
        page = client.conversations_replies(channel="C100", ts=posted[2], limit=2, cursor=cursor)
        pages.append([m["ts"] for m in page["messages"]])
        cursor = page["response_metadata"]["next_cursor"]
        assert page["has_more"] == bool(cursor)
        if not cursor:
            break
    assert pages == [[root, posted[0]], posted[1:3], posted[3:5]]
    via_iterator = [
        m["ts"] for p in client.conversations_replies(channel="C100", ts=root, limit=2) for m in p["messages"]
    ]
    assert via_iterator == [root, *posted]
    head = client.conversations_replies(channel="C100", ts=root)["messages"][0]
    assert head["thread_ts"] == root and head["reply_count"] == 5 and head["reply_users"] == ["UBOT"]
    assert emu.bot_messages("C100", root)[0]["bot_id"] == "BBOT"
    assert emu.violations == []


def test_replies_errors_and_visibility(emu: SlackEmulator, client: WebClient) -> None:
    lone = emu.seed_message("C100", "UANA", "no replies")
    assert [m["ts"] for m in client.conversations_replies(channel="C100", ts=lone)["messages"]] == [lone]
    errors = {
        "thread_not_found": lambda: client.conversations_replies(channel="C100", ts="1111111111.000001"),
        "channel_not_found": lambda: client.conversations_replies(channel="C999", ts=lone),
        "not_in_channel": lambda: client.chat_postMessage(channel="C200", text="hi"),
    }
    for expected, call in errors.items():
        assert api_error(call).response["error"] == expected
    assert api_error(lambda: client.conversations_info(channel="G300")).response["error"] == "channel_not_found"
    info = client.conversations_info(channel="C200")["channel"]
    assert info["is_member"] is False and info["name"] == "random"
    assert client.users_info(user="UANA")["user"]["profile"]["display_name"] == "Ana"
    assert api_error(lambda: client.users_info(user="UNOPE")).response["error"] == "user_not_found"
    members = [m for page in client.conversations_members(channel="C100", limit=1) for m in page["members"]]
    assert members == ["UANA", "UBOB", "UBOT"]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning")
def test_chat_argument_errors(emu: SlackEmulator, client: WebClient) -> None:
    human = emu.seed_message("C100", "UANA", "hello")
    mine = client.chat_postMessage(channel="C100", text="draft")["ts"]
    cases = {
        "no_text": lambda: client.chat_postMessage(channel="C100", text=""),
        "msg_too_long": lambda: client.chat_update(channel="C100", ts=mine, text="x" * 4001),
        "cant_update_message": lambda: client.chat_update(channel="C100", ts=human, text="edit"),
        "message_not_found": lambda: client.chat_update(channel="C100", ts="1111111111.000001", text="e"),
        "invalid_blocks": lambda: client.chat_postMessage(channel="C100", text="t", blocks=[{"text": "no type"}]),
    }
    for expected, call in cases.items():
        assert api_error(call).response["error"] == expected
    too_many = [{"type": "divider"}] * 51
    err = api_error(lambda: client.chat_postMessage(channel="C100", text="t", blocks=too_many))
    assert err.response["error"] == "invalid_blocks" and err.response["response_metadata"]["messages"]
    assert any("51 blocks" in v for v in emu.violations)
    assert client.chat_update(channel="C100", ts=mine, text="final")["message"]["edited"]["user"] == "UBOT"
    link = client.chat_getPermalink(channel="C100", message_ts=mine)["permalink"]
    assert link == f"https://acme.slack.com/archives/C100/p{mine.replace('.', '')}"
    client.reactions_add(channel="C100", timestamp=human, name="eyes")
    assert (
        api_error(lambda: client.reactions_add(channel="C100", timestamp=human, name="eyes")).response["error"]
        == "already_reacted"
    )
    assert emu.reactions("C100", human) == ["eyes"]


def test_files_upload_v2_share_then_pin(emu: SlackEmulator, client: WebClient) -> None:
    root = emu.seed_message("C100", "UANA", "spec please")
    resp = client.files_upload_v2(
        channel="C100",
        thread_ts=root,
        content="# hi",
        filename="TECHNICAL_SPEC.md",
        title="Technical spec",
        initial_comment="Here it is",
    )
    file_id = resp["file"]["id"]
    assert "shares" not in resp["file"]
    assert emu.files[file_id].content == b"# hi" and emu.files[file_id]["thread_ts"] == root

    def share_ts() -> str | None:
        shares = client.files_info(file=file_id)["file"].get("shares", {})
        entries = shares.get("public", {}).get("C100", [])
        return entries[0]["ts"] if entries else None

    ts = wait_until(share_ts, timeout=5.0, interval=0.01, message="the file share to reach C100")
    info = client.files_info(file=file_id)["file"]
    assert info["filetype"] == "markdown" and info["shares"]["public"]["C100"][0]["thread_ts"] == root
    shared = emu.message("C100", ts)
    assert shared is not None and shared["text"] == "Here it is" and shared["files"][0]["id"] == file_id
    client.pins_add(channel="C100", timestamp=ts)
    assert api_error(lambda: client.pins_add(channel="C100", timestamp=ts)).response["error"] == "already_pinned"
    assert api_error(lambda: client.pins_add(channel="C100", file=file_id)).response["error"] == "not_pinnable"
    assert emu.pins("C100") == [ts]
    assert client.pins_list(channel="C100")["items"][0]["message"]["ts"] == ts
    assert [c.method for c in emu.requests if c.method.startswith(("files", "upload"))][:3] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]


def test_upload_without_channel_stays_private(emu: SlackEmulator, client: WebClient) -> None:
    file_id = client.files_upload_v2(content="x", filename="a.md")["file"]["id"]
    assert emu.wait_idle(5)
    assert client.files_info(file=file_id)["file"]["shares"] == {}
    err = api_error(lambda: client.files_completeUploadExternal(files=[{"id": "FNOPE", "title": "t"}]))
    assert err.response["error"] == "file_not_found"


def test_rate_limit_fault(emu: SlackEmulator, client: WebClient) -> None:
    emu.fail_next("conversations.replies", http_status=429, retry_after=7)
    root = emu.seed_message("C100", "UANA", "root")
    err = api_error(lambda: client.conversations_replies(channel="C100", ts=root))
    assert err.response.status_code == 429 and err.response.headers["Retry-After"] == "7"
    assert err.response["error"] == "ratelimited"
    retrying = WebClient(base_url=emu.api_url, token=TOKEN, retry_handlers=[RateLimitErrorRetryHandler()])
    emu.fail_next("conversations.replies", http_status=429, retry_after=0)
    assert retrying.conversations_replies(channel="C100", ts=root)["ok"]
    assert [c.http_status for c in emu.calls("conversations.replies")] == [429, 429, 200]
    emu.fail_next("chat.postMessage", http_status=500)
    err = api_error(lambda: client.chat_postMessage(channel="C100", text="x"))
    assert err.response.status_code == 500 and "non-JSON" in err.response["error"]
    emu.fail_next("chat.postMessage", error="fatal_error")
    assert api_error(lambda: client.chat_postMessage(channel="C100", text="x")).response["error"] == "fatal_error"
    assert client.chat_postMessage(channel="C100", text="x")["ok"]


def test_violations(emu: SlackEmulator, client: WebClient) -> None:
    root = emu.seed_message("C100", "UANA", "root")
    reply = emu.seed_message("C100", "UBOB", "reply", thread_ts=root)
    client.chat_postMessage(channel="C100", thread_ts=reply, text="answer")
    assert any(f"thread_ts {reply}" in v for v in emu.violations)
    # Slack itself files the message under the real root.
    assert emu.thread("C100", root)[-1]["text"] == "answer"
    client.chat_postMessage(channel="C100", text="<!channel> look", link_names=True)
    assert any("<!channel>" in v for v in emu.violations) and any("link_names" in v for v in emu.violations)
    before = len(emu.violations)
    client.chat_postMessage(channel="C100", text="&lt;!channel&gt; escaped", thread_ts=root)
    assert len(emu.violations) == before


def test_signed_mention_double_delivery(emu: SlackEmulator, receiver: Receiver) -> None:
    root = emu.seed_message("C100", "UANA", "design notes")
    ts = emu.post_message("C100", "UBOB", "<@UBOT> please write the spec", thread_ts=root)
    assert [d.status for d in ts.deliveries] == [200, 200]
    assert all(r["valid"] for r in receiver.requests)
    events = receiver.events()
    assert sorted(e["event"]["type"] for e in events) == ["app_mention", "message"]
    assert len({e["event_id"] for e in events}) == 2
    for env in events:
        assert env["type"] == "event_callback" and env["authorizations"][0]["user_id"] == "UBOT"
        assert env["event"]["ts"] == ts and env["event"]["thread_ts"] == root
    message = next(e["event"] for e in events if e["event"]["type"] == "message")
    assert message["channel_type"] == "channel" and "subtype" not in message
    emu.post_message("C200", "UANA", "<@UBOT> not a member here")
    assert len(receiver.requests) == 2
    assert emu.deliver(b'{"type":"event_callback"}', signed=False).status == 401


def test_slack_style_retries(emu: SlackEmulator, receiver: Receiver) -> None:
    emu.retry_policy = "slack"
    emu.retry_delays = [0.01, 0.01, 0.01]
    receiver.statuses = [500, 500]
    first = emu.post_message("C100", "UANA", "hello").deliveries[0]
    assert first.status == 500
    wait_until(lambda: len(receiver.requests) == 3, timeout=5.0, interval=0.01, message="two retries")
    assert emu.wait_idle(5)
    headers = [r["headers"] for r in receiver.requests]
    assert [h.get("x-slack-retry-num") for h in headers] == [None, "1", "2"]
    assert {h.get("x-slack-retry-reason") for h in headers[1:]} == {"http_error"}
    assert len({e["event_id"] for e in receiver.events()}) == 1
    assert [d.retry_num for d in emu.deliveries] == [0, 1, 2]
    receiver.statuses = [500]
    receiver.extra_headers = {"X-Slack-No-Retry": "1"}
    emu.post_message("C100", "UANA", "again")
    assert emu.wait_idle(5) and len(receiver.requests) == 4


def test_bot_echo_events_switch(emu: SlackEmulator, client: WebClient, receiver: Receiver) -> None:
    client.chat_postMessage(channel="C100", text="from the bot")
    wait_until(receiver.events, timeout=5.0, interval=0.01, message="the echoed bot event")
    echoed = receiver.events()[0]["event"]
    assert echoed["bot_id"] == "BBOT" and echoed["user"] == "UBOT"
    emu.deliver_bot_events = False
    client.chat_postMessage(channel="C100", text="silent")
    assert emu.wait_idle(5) and len(receiver.requests) == 1


def test_slash_command_views_and_response_url(emu: SlackEmulator, client: WebClient, receiver: Receiver) -> None:
    assert emu.send_slash_command(user="UANA", channel="C100", text="hello").status == 200
    form = {k: v[0] for k, v in parse_qs(receiver.requests[0]["body"].decode()).items()}
    assert form["command"] == "/techspec" and form["channel_id"] == "C100" and form["user_id"] == "UANA"
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Spec"}, "callback_id": "cb", "blocks": []}
    opened = client.views_open(trigger_id=form["trigger_id"], view=view)["view"]
    assert emu.views[0]["id"] == opened["id"]
    err = api_error(lambda: client.views_open(trigger_id=form["trigger_id"], view=view))
    assert err.response["error"] == "trigger_exchanged"
    req = urllib.request.Request(
        form["response_url"],
        data=json.dumps({"text": "working"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert resp.status == 200
    rid = form["response_url"].rsplit("/", 1)[1]
    assert emu.responses == [(rid, {"text": "working"})] and emu.response_urls[rid]["kind"] == "slash_command"
    emu.send_view_submission("UANA", opened, {"b": {"a": {"type": "plain_text_input", "value": "v"}}})
    submitted = json.loads(parse_qs(receiver.requests[-1]["body"].decode())["payload"][0])
    assert submitted["view"]["id"] == opened["id"] and submitted["view"]["state"]["values"]["b"]["a"]["value"] == "v"


def test_message_shortcut_carries_thread_ts(emu: SlackEmulator, receiver: Receiver) -> None:
    root = emu.seed_message("C100", "UANA", "root")
    reply = emu.seed_message("C100", "UBOB", "reply", thread_ts=root)
    emu.send_message_shortcut("UANA", "C100", reply)
    payload = json.loads(parse_qs(receiver.requests[0]["body"].decode())["payload"][0])
    assert payload["type"] == "message_action" and payload["message"]["thread_ts"] == root
    assert payload["message_ts"] == reply and payload["channel"] == {"id": "C100", "name": "design"}


def test_large_thread_pages_quickly(emu: SlackEmulator, client: WebClient) -> None:
    root = emu.seed_message("C100", "UANA", "big")
    for i in range(5000):
        emu.seed_message("C100", "UBOB", f"m{i}", thread_ts=root)
    start = time.monotonic()
    total = sum(len(p["messages"]) for p in client.conversations_replies(channel="C100", ts=root, limit=200))
    assert total == 5001 and time.monotonic() - start < 5


def serve_bolt(app: App) -> tuple[ThreadingHTTPServer, str]:
    """Expose a Bolt app over real HTTP, the way its HTTP adapters do."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def do_POST(self) -> None:
            """Hand the raw request to Bolt (which verifies the signature) and relay its answer."""
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            resp = app.dispatch(BoltRequest(body=body, headers={k: [v] for k, v in self.headers.items()}))
            payload = resp.body.encode()
            self.send_response(resp.status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/slack/events"


def test_real_bolt_app_round_trip(emu: SlackEmulator) -> None:
    app = App(client=WebClient(base_url=emu.api_url, token=TOKEN), signing_secret=SECRET)

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], client: WebClient) -> None:
        client.chat_postMessage(channel=event["channel"], thread_ts=event.get("thread_ts") or event["ts"], text="on it")

    @app.event("message")
    def on_message() -> None:
        """Catch-all so no message event gets a 404."""

    @app.shortcut("techspec")
    def on_shortcut(ack: Callable[[], None], body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = {"type": "modal", "title": {"type": "plain_text", "text": "Spec"}, "blocks": []}
        client.views_open(trigger_id=body["trigger_id"], view=view)

    server, emu.events_url = serve_bolt(app)
    try:
        root = emu.seed_message("C100", "UANA", "design notes")
        emu.post_message("C100", "UBOB", "<@UBOT> write it up", thread_ts=root)
        wait_until(lambda: emu.bot_messages("C100", root), timeout=5.0, interval=0.01, message="the bot reply")
        assert emu.send_message_shortcut("UANA", "C100", root).status == 200
        wait_until(lambda: emu.views, timeout=5.0, interval=0.01, message="the modal")
        assert emu.wait_idle(5)
        assert all(d.status == 200 for d in emu.deliveries) and emu.violations == []
        assert emu.bot_messages("C100", root)[0]["thread_ts"] == root
    finally:
        server.shutdown()
        server.server_close()


def test_human_edits_deletes_and_files(emu: SlackEmulator, client: WebClient, receiver: Receiver) -> None:
    ts = emu.post_message("C100", "UANA", "first")
    emu.edit_message("C100", ts, "second")
    emu.delete_message("C100", ts)
    changed, deleted = (e["event"] for e in receiver.events()[1:])
    assert changed["subtype"] == "message_changed" and changed["hidden"] is True
    assert changed["message"]["text"] == "second" and changed["previous_message"]["text"] == "first"
    assert deleted["subtype"] == "message_deleted" and deleted["deleted_ts"] == ts
    assert emu.messages("C100") == []
    upload = {"id": "FUP1", "name": "notes.txt", "title": "Notes", "mimetype": "text/plain", "content": b"hello"}
    emu.post_message("C100", "UANA", "see file", files=[upload])
    event = receiver.events()[-1]["event"]
    assert event["subtype"] == "file_share" and event["files"][0]["id"] == "FUP1"
    url = client.files_info(file="FUP1")["file"]["url_private"]
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert resp.read() == b"hello"
    assert emu.post_message("C100", "UANA", "quiet", deliver=False).deliveries == []


def test_block_action_home_and_triggers(emu: SlackEmulator, client: WebClient, receiver: Receiver) -> None:
    emu.deliver_bot_events = False
    mine = client.chat_postMessage(channel="C100", text="approve?")["ts"]
    emu.send_block_action("UANA", "C100", mine, "approve", "yes")
    payload = json.loads(parse_qs(receiver.requests[0]["body"].decode())["payload"][0])
    assert payload["type"] == "block_actions" and payload["container"]["message_ts"] == mine
    assert payload["actions"][0]["action_id"] == "approve" and payload["message"]["ts"] == mine
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}, "blocks": []}
    err = api_error(lambda: client.views_open(trigger_id=payload["trigger_id"], view=modal))
    assert err.response["error"] == "invalid_arguments"
    emu.trigger_ttl = -1  # every trigger is already expired
    modal["title"]["text"] = "ok"
    err = api_error(lambda: client.views_open(trigger_id=payload["trigger_id"], view=modal))
    assert err.response["error"] == "trigger_expired"
    client.views_publish(user_id="UANA", view={"type": "home", "blocks": []})
    emu.send_app_home_opened("UANA")
    home = receiver.events()[-1]["event"]
    assert home["type"] == "app_home_opened" and home["tab"] == "home"
    assert home["view"]["id"] == emu.home_views["UANA"]["id"]


def test_ephemeral_and_archived(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_user("UCAROL", "carol")
    assert client.chat_postEphemeral(channel="C100", user="UANA", text="psst")["message_ts"]
    assert emu.ephemerals[0]["user"] == "UANA" and emu.messages("C100") == []
    err = api_error(lambda: client.chat_postEphemeral(channel="C100", user="UCAROL", text="psst"))
    assert err.response["error"] == "user_not_in_channel"
    emu.archive_channel("C100")
    assert api_error(lambda: client.chat_postMessage(channel="C100", text="x")).response["error"] == "is_archived"
    assert emu.server_errors == [] and emu.background_errors == []


def test_retries_on_timeout_and_connection_failure(emu: SlackEmulator, receiver: Receiver) -> None:
    emu.retry_policy = "slack"
    emu.retry_delays = [0.01]
    emu.delivery_timeout = 0.2
    receiver.delays = [0.5]
    first = emu.post_message("C100", "UANA", "slow bot").deliveries[0]
    assert first.status == 0 and first.error == "http_timeout"
    assert emu.wait_idle(5)
    retries = [r["headers"] for r in receiver.requests[1:]]
    assert [(h["x-slack-retry-num"], h["x-slack-retry-reason"]) for h in retries] == [("1", "http_timeout")]
    closed = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    emu.events_url = f"http://127.0.0.1:{closed.server_address[1]}/slack/events"
    closed.server_close()  # nothing listens there any more
    emu.post_message("C100", "UANA", "bot down")
    assert emu.wait_idle(5)
    down = [d for d in emu.deliveries if d.error == "connection_failed"]
    assert [d.retry_num for d in down] == [0, 1, 2, 3]
    assert {d.request_headers.get("X-Slack-Retry-Reason") for d in down[1:]} == {"connection_failed"}
