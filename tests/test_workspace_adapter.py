"""The workspace adapter: a workspace's settings reach its runtime (model, key, limits, budget, template)."""

from __future__ import annotations

import redis
from pydantic import SecretStr

from bot.config import Settings, WorkspaceSettings
from bot.flow.admission import channel_refusal
from bot.flow.jobs import JOBS
from bot.flow.spend import budget_of
from bot.flow.write import render_document, spec_documents
from bot.spec.samples import sample_spec
from bot.spec.sandbox import check_template, sample_context
from bot.store.crypto import SecretBox, new_key
from bot.store.workspace_settings import WorkspaceSettingsStore, seal_key
from bot.wiring import build_runtime
from bot.wiring.workspace import REFUSED_ENDPOINT


def test_a_workspace_runtime_uses_its_own_settings(redis_conn: redis.Redis) -> None:
    key = new_key()
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-1-2"),
        openai_api_key=SecretStr("sk-operator"),
        techspec_encryption_keys=SecretStr(key),
        techspec_monthly_budget_usd=200.0,
    )  # type: ignore[call-arg]
    base = build_runtime(settings, redis_conn, JOBS)
    WorkspaceSettingsStore(redis_conn).put(
        "T1",
        WorkspaceSettings(
            openai_model="team-model",
            openai_base_url="https://8.8.8.8/v1",
            api_key_sealed=seal_key(SecretBox([key]), "sk-team"),
            monthly_budget_usd=7.0,
            max_active_per_user=1,
            spec_template="# {{ spec.title }}\n",
            channel_mode="deny",
            channels=["CNO"],
        ),
    )
    team = base.for_tenant("T1")
    assert team.model.model == "team-model" and team.model.api_key == "sk-team"
    assert team.model.endpoint == "https://8.8.8.8/v1"
    assert base.model.model == "gpt-4.1" and base.model.api_key == "sk-operator"
    assert budget_of(team, "T1").usd_limit == 7.0 and budget_of(base, "T1").usd_limit == 200.0
    assert team.admission.limits.per_user == 1
    assert (
        spec_documents(team).get_template("TECHNICAL_SPEC.md.j2").render(spec=type("S", (), {"title": "X"})) == "# X\n"
    )
    assert channel_refusal(team, "CNO") is not None and channel_refusal(team, "COK") is None
    # Other workspaces keep the operator's settings; the same workspace reuses its model client.
    other = base.for_tenant("T2")
    assert other.settings is base.settings and channel_refusal(other, "CNO") is None
    assert base.for_tenant("T1").model is team.model


def test_an_endpoint_that_now_resolves_privately_gets_nothing(redis_conn: redis.Redis) -> None:
    settings = Settings(slack_bot_token=SecretStr("xoxb-1-2"), openai_api_key=SecretStr("sk-operator"))  # type: ignore[call-arg]
    base = build_runtime(settings, redis_conn, JOBS)
    # Saved when it was public (or written around the form): checked again when a client is made for it.
    WorkspaceSettingsStore(redis_conn).put("T3", WorkspaceSettings(openai_base_url="https://169.254.169.254/v1"))
    assert base.for_tenant("T3").model.endpoint == REFUSED_ENDPOINT


def test_a_template_failing_on_a_real_spec_gives_way_to_the_default(redis_conn: redis.Redis) -> None:
    settings = Settings(slack_bot_token=SecretStr("xoxb-1-2"), openai_api_key=SecretStr("sk-operator"))  # type: ignore[call-arg]
    base = build_runtime(settings, redis_conn, JOBS)
    source = "{% if spec.title == 'Boom' %}{{ nope }}{% endif %}# {{ spec.title }} by the team template\n"
    check_template(source.encode(), 64_000)  # the sample spec never takes the failing branch
    WorkspaceSettingsStore(redis_conn).put("T4", WorkspaceSettings(spec_template=source))
    team = base.for_tenant("T4")
    fine = sample_spec()
    assert "by the team template" in render_document(team, fine, sample_context(), spec_documents(team))
    boom = fine.model_copy(update={"title": "Boom"})
    text = render_document(team, boom, sample_context(), spec_documents(team))
    assert "by the team template" not in text and "Boom" in text
