"""A workspace-chosen endpoint: addresses that reach private hosts in disguise, redirects, and the address
checked on every connection (not only when the endpoint was saved)."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2
import openai
import pytest
from pydantic import SecretStr

from bot.config import Settings, WorkspaceSettings
from bot.llm.addresses import allowed
from bot.llm.egress import checked_client
from bot.llm.endpoints import EndpointRefused, check_endpoint, probe_models
from bot.wiring.runtime import _checked_http

DISGUISED = ["::a9fe:a9fe", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::", "192.0.0.192"]
DISGUISED += ["2001:0:4136:e378:8000:63bf:5601:5601"]  # Teredo, to 169.254.169.254


@pytest.mark.parametrize("address", DISGUISED)
def test_addresses_embedding_a_private_one_are_refused(address: str) -> None:
    assert not allowed(ipaddress.ip_address(address), allow_private=False)
    with pytest.raises(EndpointRefused, match="private"):
        check_endpoint(f"https://[{address}]/v1" if ":" in address else f"https://{address}/v1", **STRICT)


STRICT = {"allow_http": False, "allow_private": False}


@pytest.mark.parametrize("address", ["169.254.169.254", "fd00:ec2::254", "100.100.100.200", "::ffff:a9fe:a9fe"])
def test_metadata_services_are_refused_even_where_private_endpoints_are_allowed(address: str) -> None:
    assert not allowed(ipaddress.ip_address(address), allow_private=True)
    assert allowed(ipaddress.ip_address("10.0.0.1"), allow_private=True)
    assert allowed(ipaddress.ip_address("8.8.8.8"), allow_private=False)


class _Handler(BaseHTTPRequestHandler):
    """Redirects every request to /elsewhere, and records what reaches /elsewhere."""

    seen: list[str] = []

    def _answer(self) -> None:
        self.seen.append(f"{self.command} {self.path}")
        if self.path.startswith("/huge"):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"[" + b"1," * 1_000_000 + b"1]")
            return
        if self.path.startswith("/elsewhere"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")
            return
        self.send_response(307)
        self.send_header("Location", "/elsewhere" + self.path)
        self.end_headers()

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def redirector() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Handler.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_redirects_are_not_followed_by_the_model_calls_or_the_probe(redirector: str) -> None:
    client = openai.OpenAI(
        api_key="k", base_url=redirector, max_retries=0, http_client=checked_client(allow_private=True, timeout=2)
    )
    with pytest.raises(openai.APIStatusError):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "transcript"}])
    assert "307" in (probe_models(redirector, "k", 2, allow_private=True) or "")
    assert not [line for line in _Handler.seen if "/elsewhere" in line]


def test_every_connection_checks_the_address_it_connects_to(redirector: str) -> None:
    # The host answers (it is the test's server), but it is not public: the connection itself is refused,
    # whatever the host resolved to when the endpoint was saved.
    with checked_client(allow_private=False, timeout=2) as client, pytest.raises(httpx2.ConnectError, match="private"):
        client.get(redirector.replace("127.0.0.1", "localhost") + "/models")
    assert _Handler.seen == []


def test_only_a_workspace_chosen_endpoint_gets_the_checked_client() -> None:
    operator = Settings(slack_bot_token=SecretStr("xoxb-1-2"), openai_api_key=SecretStr("sk-operator"))  # type: ignore[call-arg]
    assert _checked_http(operator, 5) is None
    chosen = operator.for_workspace(WorkspaceSettings(openai_base_url="https://models.example.com/v1"))
    assert isinstance(_checked_http(chosen, 5), httpx2.Client)


def test_the_probe_reads_at_most_a_megabyte(redirector: str) -> None:
    answer = probe_models(redirector.replace("/v1", "/huge"), "k", 2, allow_private=True)
    assert "longer than 1 MB" in (answer or "")
