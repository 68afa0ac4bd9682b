"""The model client against the OpenAI-compatible emulator: validation, one repair, and clear errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.errors import ModelConfigError, ModelOutputError, ModelUnavailableError
from bot.llm.client import ModelClient
from bot.spec.schemas import ClarifyResult
from tests.fakes.model import ModelEmulator

KEY = "test-key"
VALID = {"thread_is_clear": True, "title": "Export", "language": "English", "questions": []}


@pytest.fixture(scope="module")
def emulator() -> Iterator[ModelEmulator]:
    emu = ModelEmulator(api_key=KEY)
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def model(emulator: ModelEmulator) -> Iterator[ModelClient]:
    emulator.clear()
    emulator.requests.clear()
    yield ModelClient(api_key=KEY, base_url=emulator.base_url, model="m", timeout=5, max_retries=1)
    emulator.clear()


def ask(model: ModelClient) -> ClarifyResult:
    return model.structured(ClarifyResult, "system", "user", "fix it: {problem}")


def test_valid_output_is_returned_with_usage(model: ModelClient, emulator: ModelEmulator) -> None:
    emulator.script("ClarifyResult", VALID)
    result = ask(model)
    assert result.thread_is_clear and result.title == "Export"
    assert model.usage and model.usage[0].prompt_tokens > 0
    body = emulator.requests[0].body
    assert body["response_format"]["type"] == "json_schema" and body["response_format"]["json_schema"]["strict"]


@pytest.mark.parametrize("fault", ["invalid_json", "schema_mismatch"])
def test_invalid_output_gets_one_repair_request(model: ModelClient, emulator: ModelEmulator, fault: str) -> None:
    emulator.fault(fault, schema_name="ClarifyResult")
    emulator.script("ClarifyResult", VALID)
    assert ask(model).title == "Export"
    assert len(emulator.requests) == 2
    repair = emulator.requests[1].body["messages"]
    assert repair[-2]["role"] == "assistant" and repair[-1]["content"].startswith("fix it:")


def test_invalid_twice_is_a_clear_output_error(model: ModelClient, emulator: ModelEmulator) -> None:
    emulator.fault("invalid_json", schema_name="ClarifyResult", count=2)
    with pytest.raises(ModelOutputError):
        ask(model)
    assert len(emulator.requests) == 2  # one try and one repair, no more


@pytest.mark.parametrize(
    ("fault", "words"),
    [("refusal", "refused"), ("length", "cut off"), ("content_filter", "content filter")],
)
def test_unusable_answers_are_not_retried(model: ModelClient, emulator: ModelEmulator, fault: str, words: str) -> None:
    emulator.fault(fault, schema_name="ClarifyResult")
    with pytest.raises(ModelOutputError) as raised:
        ask(model)
    assert words in raised.value.user_message
    assert len(emulator.requests) == 1


@pytest.mark.parametrize("fault", ["429", "500", "drop"])
def test_transient_errors_are_retried_then_succeed(model: ModelClient, emulator: ModelEmulator, fault: str) -> None:
    emulator.fault(fault, schema_name="ClarifyResult", retry_after=0.1)
    emulator.script("ClarifyResult", VALID)
    assert ask(model).title == "Export"
    assert len(emulator.requests) == 2


@pytest.mark.parametrize("fault", ["429", "503", "drop"])
def test_persistent_errors_become_model_unavailable(model: ModelClient, emulator: ModelEmulator, fault: str) -> None:
    emulator.fault(fault, schema_name="ClarifyResult", count=5, retry_after=0.1)
    with pytest.raises(ModelUnavailableError):
        ask(model)
    assert len(emulator.requests) == 2  # the SDK's bounded retry, then a clear error


def test_timeout_is_model_unavailable(emulator: ModelEmulator) -> None:
    emulator.clear()
    emulator.fault("timeout", schema_name="ClarifyResult", seconds=3)
    client = ModelClient(api_key=KEY, base_url=emulator.base_url, model="m", timeout=0.5, max_retries=0)
    with pytest.raises(ModelUnavailableError):
        ask(client)


def test_bad_key_is_a_configuration_error(emulator: ModelEmulator) -> None:
    client = ModelClient(api_key="wrong", base_url=emulator.base_url, model="m", timeout=5, max_retries=0)
    with pytest.raises(ModelConfigError) as raised:
        ask(client)
    assert "OPENAI_API_KEY" in raised.value.user_message


def test_json_object_mode_embeds_the_schema(emulator: ModelEmulator) -> None:
    emulator.clear()
    client = ModelClient(
        api_key=KEY, base_url=emulator.base_url, model="m", timeout=5, max_retries=0, structured_mode="json_object"
    )
    schema = client.schema_text(ClarifyResult)
    assert schema is not None
    result = client.structured(ClarifyResult, "system", f"<json_schema>\n{schema}\n</json_schema>", "{problem}")
    assert isinstance(result, ClarifyResult)
