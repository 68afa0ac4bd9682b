"""An admin's model endpoint: only https on public addresses unless the operator allows otherwise."""

from __future__ import annotations

import pytest

from bot.llm.endpoints import EndpointRefused, check_endpoint, probe_models
from tests.fakes.model import ModelEmulator

STRICT = {"allow_http": False, "allow_private": False}


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data",  # the cloud metadata service
        "https://127.0.0.1:8080/v1",
        "https://localhost/v1",
        "https://10.1.2.3/v1",
        "https://192.168.0.10/v1",
        "https://[::1]/v1",
        "https://[::ffff:169.254.169.254]/v1",
        "https://0.0.0.0/v1",
        "https://100.64.0.1/v1",  # carrier-grade NAT: not public either
    ],
)
def test_private_and_local_addresses_are_refused(url: str) -> None:
    with pytest.raises(EndpointRefused, match="private, local or reserved"):
        check_endpoint(url, **STRICT)


@pytest.mark.parametrize(
    "url",
    ["http://8.8.8.8/v1", "ftp://8.8.8.8/v1", "https://user:pw@8.8.8.8/v1", "https://8.8.8.8/v1?x=1", "nonsense"],
)
def test_other_shapes_are_refused(url: str) -> None:
    with pytest.raises(EndpointRefused):
        check_endpoint(url, **STRICT)


def test_a_public_https_address_passes_and_the_operator_can_allow_more() -> None:
    assert check_endpoint("https://8.8.8.8/v1/", **STRICT) == "https://8.8.8.8/v1"
    assert check_endpoint("http://127.0.0.1:9/v1", allow_http=True, allow_private=True) == "http://127.0.0.1:9/v1"


def test_the_probe_says_when_the_key_is_refused() -> None:
    with ModelEmulator(api_key="sk-right") as model:
        assert probe_models(model.base_url, "sk-right", 2, allow_private=True) is None
        assert "refused the key" in (probe_models(model.base_url, "sk-wrong", 2, allow_private=True) or "")
    assert "could not be reached" in (probe_models("http://127.0.0.1:9/v1", "k", 1, allow_private=True) or "")
