"""Structured-mode negotiation against emulated real servers: each refusal moves on at once, the
server's reason is logged, what works is remembered in Redis, and every call is sized to the window."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import redis

from bot.config import DEFAULT_PROMPTS_DIR
from bot.errors import ContextTooLongError, ModelConfigError, ModelOutputError, ModelUnavailableError
from bot.llm.capabilities import CallOptions, Capability
from bot.llm.client import ModelClient
from bot.llm.port import PromptedModel
from bot.llm.prompts import PromptLibrary
from bot.spec.schemas import ClarifyResult
from bot.store.capabilities import RedisCapabilities
from bot.store.keys import capability_key
from tests.fakes.model import ModelEmulator, profiles
from tests.fakes.model.profiles import LLAMA_CPP_LITERAL, format_of

KEY = "test-key"
PROMPTS = PromptLibrary(DEFAULT_PROMPTS_DIR)


@pytest.fixture
def emu() -> Iterator[ModelEmulator]:
    with ModelEmulator(api_key=KEY) as emulator:
        yield emulator


def client(emu: ModelEmulator, cache: RedisCapabilities, **options: object) -> ModelClient:
    opts = CallOptions(**{"temperature": 0.1, "seed": 7, **options})  # type: ignore[arg-type]
    return ModelClient(
        api_key=KEY, base_url=emu.base_url, model="m", timeout=10, max_retries=2, options=opts, capabilities=cache
    )


def ask(model: ModelClient) -> ClarifyResult:
    return PromptedModel(model, PROMPTS).ask(
        ClarifyResult, "clarify", transcript="[M1] Ana: we export CSV to S3.", message_count=1, condensed=False,
        max_questions=5, previous_spec=None,
    )  # fmt: skip


def test_llama_cpp_python_refusal_moves_to_json_object_with_schema_at_once(
    emu: ModelEmulator, redis_conn: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    emu.profile = profiles.llama_cpp_python()
    cache = RedisCapabilities(redis_conn, ttl_seconds=600)
    with caplog.at_level(logging.INFO):
        assert isinstance(ask(client(emu, cache)), ClarifyResult)
    # One refused json_schema request (no SDK retries of the 500), then json_object with the schema field.
    assert [format_of(r.body) for r in emu.requests] == ["json_schema", "json_object"]
    assert [r.response_status for r in emu.requests] == [500, 200]
    assert emu.requests[1].body["response_format"]["schema"]["title"] == "ClarifyResult"
    assert "<json_schema>" not in emu.prompt_text(emu.requests[1])  # the server enforces it: not pasted
    rejected = [r for r in caplog.records if r.getMessage() == "structured mode rejected"]
    assert rejected and LLAMA_CPP_LITERAL in rejected[0].reason  # type: ignore[attr-defined]
    assert [r.next_mode for r in rejected] == ["json_object_schema"]  # type: ignore[attr-defined]
    # Remembered in Redis with a TTL: the next process starts in the mode that works.
    # Keyed by the model and the settings discovery depends on (a changed window or slot count is used at once).
    key = capability_key(emu.base_url, client(emu, cache).cache_name)
    stored = Capability.model_validate_json(redis_conn.get(key) or b"")
    assert stored.mode == "json_object_schema" and stored.confirmed and stored.slots == 1
    assert 0 < redis_conn.ttl(key) <= 600
    assert client(emu, cache, context_window=4096).cache_name != client(emu, cache).cache_name
    emu.requests.clear()
    ask(client(emu, cache))
    assert [format_of(r.body) for r in emu.requests] == ["json_object"]


def test_a_text_only_server_gets_the_schema_and_an_example_in_the_prompt(
    emu: ModelEmulator, redis_conn: redis.Redis
) -> None:
    emu.profile = profiles.text_only()
    result = ask(client(emu, RedisCapabilities(redis_conn)))
    assert isinstance(result, ClarifyResult)
    # Each mode once, best first (json_object with a schema field, then without), never retried.
    assert [format_of(r.body) for r in emu.requests] == ["json_schema", "json_object", "json_object", "text"]
    assert [r.response_status for r in emu.requests] == [400, 400, 400, 200]
    assert "schema" in emu.requests[1].body["response_format"]
    last = emu.requests[-1].body
    assert "response_format" not in last
    assert "<json_schema>" in last["messages"][1]["content"]
    assert '"thread_is_clear": false' in last["messages"][0]["content"]  # the example answer's shape


def test_a_chatty_text_answer_is_repaired_locally(emu: ModelEmulator, redis_conn: redis.Redis) -> None:
    emu.profile = profiles.text_only()
    answer = {"thread_is_clear": True, "title": "T" * 500, "language": "English", "questions": []}
    model = client(emu, RedisCapabilities(redis_conn), mode="text")
    emu.script("*", "Sure! Here it is:\n```json\n" + json.dumps(answer) + "\n```")
    result = ask(model)
    assert result.title == "T" * 120  # clipped to the schema's maxLength, not a repair round
    assert len(emu.requests) == 1


def test_calls_carry_max_tokens_temperature_and_seed(emu: ModelEmulator, redis_conn: redis.Redis) -> None:
    ask(client(emu, RedisCapabilities(redis_conn)))
    body = emu.requests[0].body
    assert body["max_tokens"] == ClarifyResult.output_tokens
    assert body["temperature"] == 0.1 and body["seed"] == 7
    bounds = body["response_format"]["json_schema"]["schema"]["properties"]["questions"]
    assert bounds["maxItems"] == 12


def test_window_and_slots_come_from_props_and_size_the_call(emu: ModelEmulator, redis_conn: redis.Redis) -> None:
    emu.profile = profiles.llama_server(context_window=3000, slots=1)
    model = client(emu, RedisCapabilities(redis_conn))
    capability = model.capability()
    assert (capability.context_window, capability.slots, capability.server) == (3000, 1, "llama-server")
    ask(model)
    assert 256 <= emu.requests[0].body["max_tokens"] < ClarifyResult.output_tokens
    emu.requests.clear()
    with pytest.raises(ContextTooLongError) as raised:
        PromptedModel(model, PROMPTS).ask(
            ClarifyResult, "clarify", transcript="word " * 5000, message_count=1, condensed=False,
            max_questions=5, previous_spec=None,
        )  # fmt: skip
    assert emu.requests == []  # known to overflow: never sent
    assert "too long for this model's context" in raised.value.user_message
    assert "OPENAI_API_KEY" not in raised.value.user_message


def test_an_unannounced_small_window_gives_a_true_message(emu: ModelEmulator, redis_conn: redis.Redis) -> None:
    emu.profile = profiles.ServerProfile(context_window=1500)
    with pytest.raises(ContextTooLongError) as raised:
        ask(client(emu, RedisCapabilities(redis_conn)))
    assert [r.response_status for r in emu.requests] == [400]
    assert not raised.value.retryable and "too long for this model's context" in raised.value.user_message


def test_a_one_slot_server_gets_no_stacked_retries(emu: ModelEmulator, redis_conn: redis.Redis) -> None:
    emu.profile = profiles.llama_server(context_window=8192, slots=1)
    model = client(emu, RedisCapabilities(redis_conn))
    ask(model)  # confirms json_schema
    emu.requests.clear()
    emu.fault("500", count=3)
    with pytest.raises(ModelUnavailableError):
        ask(model)
    assert len(emu.requests) == 1  # the SDK's two retries would queue behind the abandoned generation
    assert emu.profile.most_running == 1


def test_a_confirmed_mode_on_a_parallel_server_keeps_sdk_retries(emu: ModelEmulator, redis_conn: redis.Redis) -> None:
    model = client(emu, RedisCapabilities(redis_conn))
    ask(model)
    emu.requests.clear()
    emu.fault("500", count=1)
    assert isinstance(ask(model), ClarifyResult)
    assert [r.response_status for r in emu.requests] == [500, 200]


def test_string_lengths_reach_a_grammar_server_only_as_far_as_its_parser_goes(
    emu: ModelEmulator, redis_conn: redis.Redis
) -> None:
    # llama-cpp-python unrolls maxLength into nested grammar rules; 1,500 fail to parse and the server
    # then ignores the schema. The client caps the lengths it sends (and clips answers to its own).
    emu.profile = profiles.llama_cpp_python()
    ask(client(emu, RedisCapabilities(redis_conn)))
    sent = emu.requests[-1].body["response_format"]["schema"]
    assert '"maxLength": 600' in json.dumps(sent) and '"maxLength": 1500' not in json.dumps(sent)
    assert sent["properties"]["questions"]["maxItems"] == 12
    assert not profiles.grammar_fails(emu.profile, emu.requests[-1].body)


def test_the_thread_budget_leaves_room_for_system_schema_and_answer(
    emu: ModelEmulator, redis_conn: redis.Redis
) -> None:
    from bot.config import Settings
    from bot.flow.budget import fitted_budget

    settings = Settings(slack_bot_token="xoxb-1", openai_api_key="k", openai_model="m")  # type: ignore[arg-type,call-arg]
    emu.profile = profiles.llama_server(context_window=8192)
    schema_mode = client(emu, RedisCapabilities(redis_conn))
    budget = fitted_budget(settings, schema_mode, PromptedModel(schema_mode, PROMPTS))
    assert 1_000 < budget < 8192 / 1.25 - 2048  # the write prompt's fixed text and a quarter for the answer
    pasted = client(emu, RedisCapabilities(redis_conn), mode="json_object")
    smaller = fitted_budget(settings, pasted, PromptedModel(pasted, PROMPTS))
    assert smaller < budget - 1_000  # the pasted spec schema is counted (about 3,000 tokens)
    emu.profile = profiles.ServerProfile()
    redis_conn.flushdb()
    unknown = client(emu, RedisCapabilities(redis_conn))
    assert fitted_budget(settings, unknown, PromptedModel(unknown, PROMPTS)) == settings.prompt_token_budget()


def test_an_answer_cut_off_by_max_tokens_is_closed_after_its_last_whole_question(
    emu: ModelEmulator, redis_conn: redis.Redis
) -> None:
    question = {"area": "data", "question": "Retention?", "why_it_matters": "w", "recommended_answer": None,
                "raised_in": None}  # fmt: skip
    whole = json.dumps({"thread_is_clear": False, "title": "T", "language": "English", "questions": [question]})
    emu.script("ClarifyResult", whole[:-2] + ', {"area": "security", "question": "Who can', finish_reason="length")
    result = ask(client(emu, RedisCapabilities(redis_conn)))
    assert [q.question for q in result.questions] == ["Retention?"] and len(emu.requests) == 1
    emu.script("ClarifyResult", '{"thread_is_clear": false, "title": "T', finish_reason="length")
    with pytest.raises(ModelOutputError) as raised:
        ask(client(emu, RedisCapabilities(redis_conn)))
    assert "cut off" in raised.value.user_message


def test_refused_sampling_parameters_are_dropped_once_and_remembered(
    emu: ModelEmulator, redis_conn: redis.Redis
) -> None:
    # A reasoning model takes no temperature; some servers take no seed.
    emu.profile = profiles.ServerProfile(refuses=frozenset({"seed", "temperature"}))
    cache = RedisCapabilities(redis_conn)
    assert isinstance(ask(client(emu, cache)), ClarifyResult)
    sent = [(sorted({"seed", "temperature"} & set(r.body)), r.response_status) for r in emu.requests]
    assert sent == [(["seed", "temperature"], 400), (["temperature"], 400), ([], 200)]
    emu.requests.clear()
    ask(client(emu, cache))
    assert [("seed" in r.body or "temperature" in r.body, r.response_status) for r in emu.requests] == [(False, 200)]


def test_llama_server_gets_capped_lengths_and_other_servers_none(emu: ModelEmulator, redis_conn: redis.Redis) -> None:
    emu.profile = profiles.llama_server(context_window=8192)
    ask(client(emu, RedisCapabilities(redis_conn)))
    assert '"maxLength": 600' in json.dumps(emu.requests[-1].body["response_format"])
    redis_conn.flushdb()
    emu.profile = profiles.ServerProfile()
    ask(client(emu, RedisCapabilities(redis_conn)))
    assert "maxLength" not in json.dumps(emu.requests[-1].body["response_format"])  # hosted strict mode refuses it


def test_a_fixed_mode_the_endpoint_refuses_says_what_it_does_not_support(
    emu: ModelEmulator, redis_conn: redis.Redis
) -> None:
    emu.profile = profiles.llama_cpp_python()
    with pytest.raises(ModelConfigError) as raised:
        ask(client(emu, RedisCapabilities(redis_conn), mode="json_schema"))
    assert "does not support strict JSON schema output" in raised.value.user_message
    assert "OPENAI_API_KEY" not in raised.value.user_message and len(emu.requests) == 1
