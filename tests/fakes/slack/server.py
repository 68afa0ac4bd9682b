"""The HTTP side: routes /api/<method>, upload URLs, response_urls and file downloads."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from .api_chat import apply_response
from .api_files import receive_upload
from .api_oauth import AUTHORIZE_PATH, authorize_page, oauth_v2_access
from .methods import HANDLERS
from .models import ApiError, Fault, Params, RecordedCall, parse_multipart

if TYPE_CHECKING:
    from email.message import Message

    from .emulator import SlackEmulator
    from .workspace import Workspace

_HTML_500 = b"<html><head><title>500 Internal Server Error</title></head><body>Internal Server Error</body></html>"


@dataclass
class Reply:
    """An HTTP answer about to be written."""

    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """A JSON answer."""
    return Reply(status, json.dumps(payload).encode(), headers=headers or {})


def parse_params(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    """Merge query-string and body arguments (form, JSON or multipart), body winning like Slack."""
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if not body:
        return params
    if "json" in content_type or body.lstrip().startswith(b"{"):
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise ApiError("invalid_json") from exc
        if not isinstance(data, dict):
            raise ApiError("invalid_json")
        params.update(data)
    elif content_type.startswith("multipart/form-data"):
        params.update({k: v.decode("utf-8", "replace") for k, v in parse_multipart(body, content_type).items()})
    else:
        params.update({k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()})
    return params


def bearer_token(headers: Message) -> str | None:
    """The token from `Authorization: Bearer ...`, if any."""
    auth = headers.get("Authorization") or ""
    if not auth.lower().startswith("bearer "):
        return None
    return auth[len("bearer ") :].strip() or None


def fault_reply(fault: Fault) -> Reply:
    """The HTTP answer for an injected fault: 429 + Retry-After, a 5xx HTML page, or ok:false."""
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    if fault.http_status == 429:
        headers.setdefault("Retry-After", "1")
        return json_reply({"ok": False, "error": "ratelimited"}, 429, headers)
    if fault.http_status >= 500:
        return Reply(fault.http_status, _HTML_500, "text/html; charset=utf-8", headers)
    return json_reply({"ok": False, "error": fault.error}, fault.http_status, headers)


def error_reply(exc: ApiError) -> Reply:
    """An ApiError as Slack answers it; one carrying `retry_after` (a rate limit) is a 429 + Retry-After."""
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        return json_reply(exc.as_response(), 429, {"Retry-After": str(retry_after)})
    return json_reply(exc.as_response())


def _record(
    emu: SlackEmulator,
    method: str,
    params: dict[str, Any],
    response: dict[str, Any],
    status: int,
    token: str | None,
    served: Workspace | None = None,
) -> None:
    team = served.ident.team_id if served else None
    call = RecordedCall(
        method, params, time.time(), response, status, token, team, served.ident.enterprise_id if served else None
    )
    with emu.ws.lock:
        emu.ws.requests.append(call)


def _run_api(
    emu: SlackEmulator, method: str, params: dict[str, Any], token: str | None, basic: tuple[str, str] | None
) -> tuple[Reply, Workspace | None]:
    if method == "apps.connections.open" and emu.socket_mode is not None:
        return json_reply(emu.socket_mode.open(token)), None  # an app-level token, not the bot's
    handler = HANDLERS.get(method)
    if handler is None and method != "oauth.v2.access":
        return json_reply({"ok": False, "error": "unknown_method"}, 404), None
    fault = emu.ws.take_fault(method)
    if fault is not None:
        return fault_reply(fault), None
    served: Workspace | None = None
    with emu.ws.lock:
        try:
            if handler is None:  # oauth.v2.access authenticates the app (client id + secret), not a token
                answer = oauth_v2_access(emu, Params(params), basic)
                return json_reply(answer), emu.tenancy.workspaces.get(str((answer.get("team") or {}).get("id")))
            inst = emu.tenancy.authenticate(token)
            served = emu.tenancy.route(inst, method, params)
            scoped = emu.ws.take_fault(f"{method}@{served.ident.team_id}") if served else None
            if scoped is not None:  # a fault for one workspace only (fail_next(..., team_id=...))
                return fault_reply(scoped), served
            # An org-wide install added to no workspace yet still answers auth.test (for its org).
            return json_reply(handler(emu.served(served or emu.ws, inst, token), Params(params))), served
        except ApiError as exc:
            return error_reply(exc), served
        except Exception as exc:  # an emulator bug: answer like a Slack outage, keep it for the test
            emu.server_errors.append(exc)
            body = {"ok": False, "error": "internal_error", "emulator_exception": repr(exc)}
            return json_reply(body, 500), served


def basic_auth(headers: Message) -> tuple[str, str] | None:
    """client_id and client_secret from `Authorization: Basic ...` (how slack_sdk sends them)."""
    auth = headers.get("Authorization") or ""
    if not auth.lower().startswith("basic "):
        return None
    try:
        client_id, _, secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
    except ValueError:
        return None
    return client_id, secret


def handle_api(emu: SlackEmulator, method: str, query: str, body: bytes, headers: Message) -> Reply:
    """One Web API call: latency, faults, auth, the handler, and the recording."""
    delay = emu.latency + emu.method_latency.get(method, 0.0)
    if delay > 0:
        time.sleep(delay)  # outside the lock, so slow methods don't serialise everything else
    token = bearer_token(headers)
    served: Workspace | None = None
    try:
        params = parse_params(query, body, headers.get("Content-Type") or "")
    except ApiError as exc:
        reply, params = json_reply(exc.as_response()), {}
    else:
        token = token or (str(params.pop("token")) if params.get("token") else None)
        reply, served = _run_api(emu, method, params, token, basic_auth(headers))
    try:
        response = json.loads(reply.body)
    except ValueError:
        response = {"ok": False, "error": "internal_error", "raw": reply.body.decode("utf-8", "replace")}
    _record(emu, method, params, response, reply.status, token, served)
    slow_answer = emu.answer_latency.get(method, 0.0)
    if slow_answer > 0:
        time.sleep(slow_answer)  # the effect is visible to everyone; only the caller's answer is late
    return reply


def handle_upload(emu: SlackEmulator, file_id: str, body: bytes, content_type: str) -> Reply:
    """The upload_url POST (recorded as method "upload"; faults can target "upload" too)."""
    fault = emu.ws.take_fault("upload")
    owner = next((ws for ws in emu.tenancy.workspaces.values() if file_id in ws.files), emu.ws)
    if fault is not None:
        reply = fault_reply(fault)
    else:
        status, text = receive_upload(emu.served(owner), file_id, body, content_type)
        reply = Reply(status, text.encode(), "text/plain; charset=utf-8")
    params = {"file_id": file_id, "length": len(body)}
    _record(emu, "upload", params, {"ok": reply.status == 200, "body": reply.body.decode()}, reply.status, None)
    return reply


def handle_response_url(emu: SlackEmulator, rid: str, body: bytes) -> Reply:
    """A POST to a response_url: recorded in `emu.responses`; in_channel/replace/delete are applied."""
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return Reply(400, b"invalid_payload", "text/plain")
    with emu.ws.lock:
        origin = emu.ws.response_urls.get(rid)
        if origin is None:
            return Reply(404, b"no_such_url", "text/plain")
        origin["uses"] += 1
        if origin["uses"] > 5:  # Slack allows five uses per response_url
            return Reply(404, b"used_url", "text/plain")
        emu.ws.responses.append((rid, payload))
        owner = emu.tenancy.workspaces.get(origin.get("team_id") or "", emu.ws)
        apply_response(emu.served(owner), origin, payload)
    _record(emu, "response_url", {"id": rid, **payload}, {"ok": True}, 200, None)
    return json_reply({"ok": True})


def handle_file_download(emu: SlackEmulator, path: str, headers: Message) -> Reply:
    """GET of a url_private: needs a bot token of an install that reaches the file's workspace."""
    file_id = path.split("/")[2] if path.count("/") >= 2 else ""
    with emu.ws.lock:
        try:
            inst = emu.tenancy.authenticate(bearer_token(headers))
        except ApiError:
            return Reply(403, b"forbidden", "text/plain")
        reachable = [emu.tenancy.workspaces[t] for t in inst.teams if t in emu.tenancy.workspaces]
        rec = next((ws.files[file_id] for ws in reachable if file_id in ws.files), None)
        content = rec["content"] if rec is not None else None
    if content is None:
        return Reply(404, b"file not found", "text/plain")
    return Reply(200, content, "application/octet-stream")


class _Handler(BaseHTTPRequestHandler):
    server: EmulatorHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: per-request logging would flood test output."""

    def do_GET(self) -> None:
        """GET is accepted everywhere POST is (Slack accepts GET for Web API methods)."""
        self._route()

    def do_POST(self) -> None:
        """Route a POST."""
        self._route()

    def _route(self) -> None:
        path, _, query = self.path.partition("?")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        emu = self.server.emulator
        if path.startswith("/api/"):
            reply = handle_api(emu, path[len("/api/") :], query, body, self.headers)
        elif path.startswith("/upload/"):
            reply = handle_upload(emu, path[len("/upload/") :], body, self.headers.get("Content-Type") or "")
        elif path.startswith("/response_url/"):
            reply = handle_response_url(emu, path[len("/response_url/") :], body)
        elif path.startswith("/files/"):
            reply = handle_file_download(emu, path, self.headers)
        elif path == AUTHORIZE_PATH:
            reply = authorize_page(emu, query)
        else:
            reply = Reply(404, b"not found", "text/plain")
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server on 127.0.0.1 with an ephemeral port, bound to one emulator."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512  # benchmarks fire thousands of requests; don't drop connections

    def __init__(self, emulator: SlackEmulator) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.emulator = emulator
