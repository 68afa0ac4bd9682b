"""The model port and client against the OpenAI-compatible emulator: validation, one repair, and clear errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from bot.config import DEFAULT_PROMPTS_DIR
from bot.errors import ModelConfigError, ModelOutputError, ModelUnavailableError
from bot.llm.client import ModelClient, Usage
from bot.llm.port import PromptedModel
from bot.llm.prompts import PromptLibrary
from bot.spec.schemas import ClarifyResult
from tests.fakes.model import ModelEmulator

KEY = "test-key"
VALID = {"thread_is_clear": True, "title": "Export", "language": "English", "questions": []}
DEFAULT_PROMPTS = PromptLibrary(DEFAULT_PROMPTS_DIR)


@pytest.fixture(scope="module")
def prompts(tmp_path_factory: pytest.TempPathFactory) -> PromptLibrary:
    """The default prompts, with a small `ask` prompt and a recognisable repair prompt."""
    directory = tmp_path_factory.mktemp("prompts")
    (directory / "ask.md.j2").write_text(
        "{{ question }}{% if schema_json %} <json_schema>{{ schema_json }}</json_schema>{% endif %}"
    )
    (directory / "repair.md.j2").write_text("fix it: {{ problem }}")
    return PromptLibrary(DEFAULT_PROMPTS_DIR, directory)


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


@pytest.fixture
def llm(model: ModelClient, prompts: PromptLibrary) -> PromptedModel:
    return PromptedModel(model, prompts)


def ask(llm: PromptedModel) -> ClarifyResult:
    return llm.ask(ClarifyResult, "ask", question="Is the thread clear?")


def described(content: str) -> list[str]:
    """What was wrong with content, as "field: message" (how the client describes it)."""
    try:
        ClarifyResult.model_validate_json(content)
    except ValidationError as exc:
        return [f"{'.'.join(str(part) for part in error['loc']) or '(root)'}: {error['msg']}" for error in exc.errors()]
    return []


def test_valid_output_is_returned_with_usage(llm: PromptedModel, model: ModelClient, emulator: ModelEmulator) -> None:
    emulator.script("ClarifyResult", VALID)
    result = ask(llm)
    assert result.thread_is_clear and result.title == "Export"
    assert model.usage and model.usage[0].prompt_tokens > 0
    body = emulator.requests[0].body
    assert body["response_format"]["type"] == "json_schema" and body["response_format"]["json_schema"]["strict"]
    # The port renders the system prompt and the named template; json_schema mode pastes no schema.
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["messages"][0]["content"] == DEFAULT_PROMPTS.render("system")
    assert body["messages"][1]["content"] == "Is the thread clear?"


@pytest.mark.parametrize("fault", ["invalid_json", "schema_mismatch"])
def test_invalid_output_gets_one_repair_request(llm: PromptedModel, emulator: ModelEmulator, fault: str) -> None:
    emulator.fault(fault, schema_name="ClarifyResult")
    emulator.script("ClarifyResult", VALID)
    assert ask(llm).title == "Export"
    assert len(emulator.requests) == 2
    first, repair = (request.body["messages"] for request in emulator.requests)
    assert repair[:2] == first  # the same conversation, continued
    assert repair[-2]["role"] == "assistant" and repair[-1]["content"].startswith("fix it: ")


def test_the_repair_request_carries_the_real_problem_rendered_by_jinja(
    model: ModelClient, emulator: ModelEmulator
) -> None:
    """The shipped repair prompt, rendered with what was wrong: no placeholder is left to replace."""
    emulator.fault("schema_mismatch", schema_name="ClarifyResult")
    emulator.script("ClarifyResult", VALID)
    llm = PromptedModel(model, DEFAULT_PROMPTS)
    transcript = "[M1] Ana (just now): ship it"
    result = llm.ask(ClarifyResult, "clarify", transcript=transcript, message_count=1, condensed=False, max_questions=3)
    assert result.title == "Export"
    echoed, repair = emulator.requests[1].body["messages"][-2:]
    problems = described(echoed["content"])
    assert "thread_is_clear: Field required" in problems and "unexpected: Extra inputs are not permitted" in problems
    assert repair == {"role": "user", "content": DEFAULT_PROMPTS.render("repair", problem="; ".join(problems))}
    assert repair["content"].startswith("Your previous answer could not be used: thread_is_clear: Field required")
    assert "{problem}" not in repair["content"] and "{{" not in repair["content"]


def test_the_echoed_invalid_answer_is_capped(llm: PromptedModel, emulator: ModelEmulator) -> None:
    # Not JSON at all, so local repair (clipping to the schema's bounds) cannot shorten it.
    emulator.script("ClarifyResult", "Sure: " + "x" * 30_000)
    emulator.script("ClarifyResult", VALID)
    assert ask(llm).title == "Export"
    echoed = emulator.requests[1].body["messages"][-2]
    assert echoed["role"] == "assistant" and len(echoed["content"]) == 20_000


def test_invalid_twice_is_a_clear_output_error(llm: PromptedModel, emulator: ModelEmulator) -> None:
    emulator.fault("invalid_json", schema_name="ClarifyResult", count=2)
    with pytest.raises(ModelOutputError):
        ask(llm)
    assert len(emulator.requests) == 2  # one try and one repair, no more


@pytest.mark.parametrize(
    ("fault", "words"),
    # (A cut-off answer is first closed locally: tests/llm/test_negotiation.py covers both outcomes.)
    [("refusal", "refused"), ("content_filter", "content filter")],
)
def test_unusable_answers_are_not_retried(llm: PromptedModel, emulator: ModelEmulator, fault: str, words: str) -> None:
    emulator.fault(fault, schema_name="ClarifyResult")
    with pytest.raises(ModelOutputError) as raised:
        ask(llm)
    assert words in raised.value.user_message
    assert len(emulator.requests) == 1


@pytest.mark.parametrize("fault", ["429", "500", "drop"])
def test_transient_errors_are_retried_then_succeed(llm: PromptedModel, emulator: ModelEmulator, fault: str) -> None:
    emulator.fault(fault, schema_name="ClarifyResult", retry_after=0.1)
    emulator.script("ClarifyResult", VALID)
    assert ask(llm).title == "Export"
    assert len(emulator.requests) == 2


@pytest.mark.parametrize("fault", ["429", "503", "drop"])
def test_persistent_errors_become_model_unavailable(llm: PromptedModel, emulator: ModelEmulator, fault: str) -> None:
    emulator.fault(fault, schema_name="ClarifyResult", count=5, retry_after=0.1)
    with pytest.raises(ModelUnavailableError):
        ask(llm)
    assert len(emulator.requests) == 2  # the SDK's bounded retry, then a clear error


def test_timeout_is_model_unavailable(emulator: ModelEmulator, prompts: PromptLibrary) -> None:
    emulator.clear()
    emulator.fault("timeout", schema_name="ClarifyResult", seconds=3)
    client = ModelClient(api_key=KEY, base_url=emulator.base_url, model="m", timeout=0.5, max_retries=0)
    with pytest.raises(ModelUnavailableError):
        ask(PromptedModel(client, prompts))


def test_bad_key_is_a_configuration_error(emulator: ModelEmulator, prompts: PromptLibrary) -> None:
    client = ModelClient(api_key="wrong", base_url=emulator.base_url, model="m", timeout=5, max_retries=0)
    with pytest.raises(ModelConfigError) as raised:
        ask(PromptedModel(client, prompts))
    assert "OPENAI_API_KEY" in raised.value.user_message


def test_json_object_mode_embeds_the_schema(emulator: ModelEmulator, prompts: PromptLibrary) -> None:
    emulator.clear()
    emulator.requests.clear()
    client = ModelClient(
        api_key=KEY, base_url=emulator.base_url, model="m", timeout=5, max_retries=0, structured_mode="json_object"
    )
    schema = client.schema_text(ClarifyResult)
    assert schema is not None
    result = ask(PromptedModel(client, prompts))
    assert isinstance(result, ClarifyResult)
    body = emulator.requests[0].body
    assert body["response_format"] == {"type": "json_object"}
    assert body["messages"][1]["content"] == f"Is the thread clear? <json_schema>{schema}</json_schema>"


def test_an_endpoint_that_reports_no_usage_is_estimated_not_free(
    llm: PromptedModel, model: ModelClient, emulator: ModelEmulator
) -> None:
    emulator.report_usage = False
    try:
        seen: list[Usage] = []
        model.on_usage = seen.append
        ask(llm)
    finally:
        emulator.report_usage = True
        model.on_usage = None
    assert len(seen) == 1 and seen[0].prompt_tokens > 100 and seen[0].completion_tokens > 0
