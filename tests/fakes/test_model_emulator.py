"""The model emulator, exercised through the real openai SDK over real HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Literal

import openai
import pydantic
import pytest
from pydantic import BaseModel, ConfigDict

from bot.spec.document import TechnicalSpecDraft
from bot.spec.schemas import AREA_TITLES, ClarifyResult
from tests.fakes.model import ModelEmulator, generate_instance
from tests.fakes.model.completion import cached_tokens
from tests.support.waiting import wait_until

pytestmark = pytest.mark.timeout(30)

MESSAGES: list[Any] = [
    {"role": "system", "content": "You write technical specs."},
    {"role": "user", "content": "Thread: add rate limiting."},
]


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModelEmulator]:
    """A started emulator; proxies are bypassed because httpx2 honours proxy variables."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    emulator = ModelEmulator(api_key="test-key").start()
    yield emulator
    emulator.stop()


def client(emu: ModelEmulator, **kwargs: Any) -> openai.OpenAI:
    """A real SDK client pointed at the emulator, without retries unless asked."""
    options: dict[str, Any] = {"api_key": "test-key", "max_retries": 0, **kwargs}
    return openai.OpenAI(base_url=emu.base_url, **options)


def parse(emu: ModelEmulator, model: type[BaseModel], **kwargs: Any) -> Any:
    """One `chat.completions.parse` call; returns the whole parsed completion."""
    return client(emu, **kwargs).chat.completions.parse(model="gpt-test", messages=MESSAGES, response_format=model)


# ---------------------------------------------------------------- default answers


def test_clarify_default_asks_three_questions_in_different_areas(emu: ModelEmulator) -> None:
    result = parse(emu, ClarifyResult).choices[0].message.parsed
    assert isinstance(result, ClarifyResult)
    assert result.thread_is_clear is False and result.language == "English"
    assert len(result.questions) == 3
    assert len({q.area for q in result.questions}) == 3
    assert all(q.why_it_matters and q.recommended_answer for q in result.questions)
    assert all(q.area in AREA_TITLES for q in result.questions)


def test_spec_default_is_valid_and_readable(emu: ModelEmulator) -> None:
    completion = parse(emu, TechnicalSpecDraft)
    spec = completion.choices[0].message.parsed
    assert isinstance(spec, TechnicalSpecDraft)
    assert TechnicalSpecDraft.model_validate_json(completion.choices[0].message.content or "") == spec
    assert spec.system_context.diagram and spec.system_context.diagram.startswith("graph TD")
    assert spec.api_contracts[0].method == "POST" and spec.api_contracts[0].path.startswith("/v1/")
    assert {r.impact for r in spec.risks} <= {"High", "Medium", "Low"}
    assert "ms" in spec.non_functional.performance


def test_response_shape_usage_and_recording(emu: ModelEmulator) -> None:
    raw = client(emu).chat.completions.with_raw_response.parse(
        model="gpt-test", messages=MESSAGES, response_format=ClarifyResult
    )
    assert raw.headers["x-request-id"].startswith("req_")
    completion = raw.parse()
    assert completion.object == "chat.completion" and completion.model == "gpt-test"
    choice = completion.choices[0]
    assert choice.finish_reason == "stop" and choice.message.refusal is None
    usage = completion.usage
    assert usage is not None and usage.prompt_tokens == len("\n".join(m["content"] for m in MESSAGES)) // 4 + 1
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert usage.prompt_tokens_details is not None and usage.prompt_tokens_details.cached_tokens == 0
    (req,) = emu.requests
    assert req.schema_name == "ClarifyResult" and req.response_status == 200
    assert req.headers["Authorization"] == "Bearer test-key"
    assert req.body["response_format"]["json_schema"]["strict"] is True
    assert emu.calls("ClarifyResult") == [req] and emu.calls("TechnicalSpecDraft") == []
    assert emu.prompt_text(req) == "You write technical specs.\nThread: add rate limiting."


def test_cached_tokens_report_the_shared_prefix() -> None:
    system = "x" * 8000  # 2000 tokens of shared prefix
    assert cached_tokens(None, system) == 0
    assert cached_tokens(system + "a", system + "b") == 1920  # 2000 rounded down to a multiple of 128
    assert cached_tokens("x" * 4000, "x" * 4000) == 0  # 1000 tokens: below the 1024 minimum


def test_cached_tokens_over_http(emu: ModelEmulator) -> None:
    messages = [{"role": "system", "content": "S" * 6000}, {"role": "user", "content": "hi"}]
    sdk = client(emu)
    first = sdk.chat.completions.create(model="m", messages=messages)
    second = sdk.chat.completions.create(model="m", messages=messages)
    assert first.usage and first.usage.prompt_tokens_details
    assert second.usage and second.usage.prompt_tokens_details
    assert first.usage.prompt_tokens_details.cached_tokens == 0
    assert second.usage.prompt_tokens_details.cached_tokens == 1408  # 1500 tokens -> 11 * 128


# ---------------------------------------------------------------- scripting


def test_scripts_are_fifo_per_schema(emu: ModelEmulator) -> None:
    first = {"thread_is_clear": True, "title": "First", "language": "German", "questions": []}
    emu.script("ClarifyResult", first)
    emu.script("ClarifyResult", json.dumps({**first, "title": "Second"}))
    emu.script("*", {**first, "title": "Any"})
    titles = [parse(emu, ClarifyResult).choices[0].message.parsed.title for _ in range(3)]
    assert titles == ["First", "Second", "Any"]  # a schema's own queue first, then "*"
    assert parse(emu, ClarifyResult).choices[0].message.parsed.thread_is_clear is False  # back to default


def test_scripted_finish_reason_and_responder(emu: ModelEmulator) -> None:
    emu.script("ClarifyResult", '{"thread_is_clear": tr', finish_reason="length")
    with pytest.raises(openai.LengthFinishReasonError):
        parse(emu, ClarifyResult)
    seen: list[str | None] = []

    def responder(schema_name: str | None, body: dict[str, Any]) -> dict[str, Any] | None:
        seen.append(schema_name)
        return {"thread_is_clear": True, "title": "R", "language": "French", "questions": []}

    emu.responder = responder
    assert parse(emu, ClarifyResult).choices[0].message.parsed.language == "French"
    assert seen == ["ClarifyResult"]


# ---------------------------------------------------------------- faults


def test_429_surfaces_as_rate_limit_error(emu: ModelEmulator) -> None:
    emu.fault("429", retry_after=2.5)
    with pytest.raises(openai.RateLimitError) as caught:
        parse(emu, ClarifyResult)
    assert caught.value.status_code == 429 and caught.value.code == "rate_limit_exceeded"
    assert caught.value.response.headers["retry-after"] == "3"
    assert caught.value.response.headers["retry-after-ms"] == "2500"
    assert [r.response_status for r in emu.requests] == [429]


def test_429_is_retried_by_the_sdk(emu: ModelEmulator) -> None:
    emu.fault("429", retry_after=0.05)
    assert parse(emu, ClarifyResult, max_retries=1).choices[0].message.parsed is not None
    assert [r.response_status for r in emu.requests] == [429, 200]
    assert emu.requests[1].headers["x-stainless-retry-count"] == "1"


@pytest.mark.parametrize("kind", ["500", "503"])
def test_server_errors(emu: ModelEmulator, kind: str) -> None:
    emu.fault(kind)
    with pytest.raises(openai.InternalServerError) as caught:
        parse(emu, ClarifyResult)
    assert caught.value.status_code == int(kind)
    assert caught.value.body is not None and "message" in caught.value.body  # type: ignore[operator]


def test_drop_is_a_connection_error(emu: ModelEmulator) -> None:
    emu.fault("drop")
    with pytest.raises(openai.APIConnectionError) as caught:
        parse(emu, ClarifyResult)
    assert not isinstance(caught.value, openai.APITimeoutError)
    assert emu.requests[0].response_status is None


def test_timeout_is_an_api_timeout_error(emu: ModelEmulator) -> None:
    emu.fault("timeout", seconds=3)
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        parse(emu, ClarifyResult, timeout=1)
    assert time.monotonic() - started < 2.5


def test_length_and_content_filter_raise(emu: ModelEmulator) -> None:
    emu.fault("length")
    with pytest.raises(openai.LengthFinishReasonError) as caught:
        parse(emu, TechnicalSpecDraft)
    content = caught.value.completion.choices[0].message.content
    assert content and content.startswith("{") and not content.endswith("}")
    emu.fault("content_filter")
    with pytest.raises(openai.ContentFilterFinishReasonError):
        parse(emu, TechnicalSpecDraft)


def test_refusal_parses_to_none(emu: ModelEmulator) -> None:
    emu.fault("refusal")
    message = parse(emu, ClarifyResult).choices[0].message
    assert message.parsed is None and message.refusal == "I can't help with that."


@pytest.mark.parametrize("kind", ["invalid_json", "schema_mismatch"])
def test_bad_content_raises_plain_pydantic_validation_error(emu: ModelEmulator, kind: str) -> None:
    emu.fault(kind)
    # the SDK calls Model.model_validate_json itself and does not wrap the error
    with pytest.raises(pydantic.ValidationError) as caught:
        parse(emu, ClarifyResult)
    assert not isinstance(caught.value, openai.OpenAIError)


def test_faults_are_counted_and_filtered_by_schema(emu: ModelEmulator) -> None:
    emu.fault("500", schema_name="TechnicalSpecDraft", count=2)
    assert parse(emu, ClarifyResult).choices[0].message.parsed is not None
    for _ in range(2):
        with pytest.raises(openai.InternalServerError):
            parse(emu, TechnicalSpecDraft)
    assert parse(emu, TechnicalSpecDraft).choices[0].message.parsed is not None


def test_faulted_call_keeps_the_script_for_the_retry(emu: ModelEmulator) -> None:
    emu.script("ClarifyResult", {"thread_is_clear": True, "title": "T", "language": "English", "questions": []})
    emu.fault("429", retry_after=0.01)
    parsed = parse(emu, ClarifyResult, max_retries=1).choices[0].message.parsed
    assert parsed is not None and parsed.title == "T"


def test_bad_key_is_an_authentication_error(emu: ModelEmulator) -> None:
    with pytest.raises(openai.AuthenticationError) as caught:
        parse(emu, ClarifyResult, api_key="wrong")
    assert caught.value.code == "invalid_api_key"
    assert emu.requests[0].response_status == 401


def test_unknown_fault_kind_is_rejected(emu: ModelEmulator) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        emu.fault("502")


# ---------------------------------------------------------------- holds, latency, lifecycle


def run_in_thread(call: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Start `call` on a thread; the list receives its result or exception."""
    outcome: list[Any] = []

    def target() -> None:
        try:
            outcome.append(call())
        except Exception as exc:  # handed back to the test thread for assertions
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


def test_hold_and_release(emu: ModelEmulator) -> None:
    gate = emu.hold("ClarifyResult")
    thread, outcome = run_in_thread(lambda: parse(emu, ClarifyResult))
    assert gate.wait_started(5)
    assert gate.request is emu.requests[0] and emu.requests[0].response_status is None
    assert thread.is_alive()
    gate.release()
    thread.join(5)
    assert isinstance(outcome[0].choices[0].message.parsed, ClarifyResult)


def test_hold_and_abort(emu: ModelEmulator) -> None:
    gate = emu.hold()
    thread, outcome = run_in_thread(lambda: parse(emu, TechnicalSpecDraft))
    assert gate.wait_started(5)
    gate.abort()
    thread.join(5)
    assert isinstance(outcome[0], openai.APIConnectionError)


def test_stop_wakes_held_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    emulator = ModelEmulator().start()
    gate = emulator.hold()
    thread, outcome = run_in_thread(lambda: parse(emulator, ClarifyResult))
    assert gate.wait_started(5)
    emulator.stop()
    thread.join(5)
    assert isinstance(outcome[0], openai.APIConnectionError)


def test_latency_delays_answers(emu: ModelEmulator) -> None:
    emu.latency = 0.3
    started = time.monotonic()
    parse(emu, ClarifyResult)
    assert time.monotonic() - started >= 0.3


def test_clear_forgets_faults_scripts_and_holds(emu: ModelEmulator) -> None:
    emu.fault("500")
    emu.script("*", "not json")
    emu.hold()
    emu.clear()
    assert parse(emu, ClarifyResult).choices[0].message.parsed is not None
    # wait_until raises AssertionError itself on timeout, so no assert around it
    wait_until(
        lambda: emu.requests[-1].response_status == 200, timeout=5.0, interval=0.01, message="a 200 after clear()"
    )


# ---------------------------------------------------------------- other modes and endpoints


class Verdict(BaseModel):
    """A small schema for the json_object fallback mode."""

    model_config = ConfigDict(extra="forbid")
    status: Literal["ok", "blocked"]
    reason: str | None
    count: int


def test_json_object_mode_answers_the_embedded_schema(emu: ModelEmulator) -> None:
    prompt = f"Reply in JSON.\n<json_schema>{json.dumps(Verdict.model_json_schema())}</json_schema>"
    completion = client(emu).chat.completions.create(
        model="m", messages=[{"role": "user", "content": prompt}], response_format={"type": "json_object"}
    )
    Verdict.model_validate_json(completion.choices[0].message.content or "")
    assert emu.requests[0].schema_name is None
    plain = client(emu).chat.completions.create(model="m", messages=MESSAGES, response_format={"type": "json_object"})
    assert json.loads(plain.choices[0].message.content or "") == {"ok": True}


def test_json_object_mode_applies_the_clarify_rule(emu: ModelEmulator) -> None:
    prompt = f"<json_schema>{json.dumps(ClarifyResult.model_json_schema())}</json_schema>"
    completion = client(emu).chat.completions.create(
        model="m", messages=[{"role": "user", "content": prompt}], response_format={"type": "json_object"}
    )
    assert len(ClarifyResult.model_validate_json(completion.choices[0].message.content or "").questions) == 3


def test_stream_and_non_strict_schema_are_bad_requests(emu: ModelEmulator) -> None:
    sdk = client(emu)
    with pytest.raises(openai.BadRequestError):
        sdk.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    loose = {"type": "object", "properties": {"a": {"type": "string"}}, "required": []}
    fmt: Any = {"type": "json_schema", "json_schema": {"name": "Loose", "schema": loose, "strict": True}}
    with pytest.raises(openai.BadRequestError, match="response_format"):
        sdk.chat.completions.create(model="m", messages=MESSAGES, response_format=fmt)


def test_models_endpoint(emu: ModelEmulator) -> None:
    assert [m.id for m in client(emu).models.list()] == ["gpt-4o-mini"]
    assert emu.requests == []  # only chat completions are recorded


# ---------------------------------------------------------------- generator


def test_generator_handles_refs_unions_enums_and_bounds() -> None:
    schema = {
        "$defs": {"Color": {"enum": ["red", "blue"]}},
        "type": "object",
        "properties": {
            "color": {"$ref": "#/$defs/Color"},
            "kind": {"const": "fixed"},
            "note": {"anyOf": [{"type": "null"}, {"type": "string", "maxLength": 5}]},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 3},
            "port": {"type": "integer", "maximum": 100},
            "ratio": {"type": "number", "exclusiveMinimum": 2},
            "flag": {"type": ["boolean", "null"]},
        },
    }
    value = generate_instance(schema)
    assert value["color"] == "red" and value["kind"] == "fixed" and len(value["note"]) <= 5
    assert len(value["tags"]) == 3 and value["port"] == 100 and value["ratio"] > 2
    assert value["flag"] is True


def test_generator_survives_recursive_schemas() -> None:
    node = {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#"}}}}
    assert isinstance(generate_instance(node), dict)
