"""The answers form: its private_metadata names a session, taken only when it is the request's workspace's."""

from __future__ import annotations

import redis
from pydantic import SecretStr

from bot.config import Settings
from bot.flow import forms
from bot.flow.jobs import JOBS
from bot.spec.records import Question
from bot.spec.schemas import Area
from bot.store.keys import session_key
from bot.store.sessions import Phase, Session
from bot.wiring import build_runtime


def awaiting(redis_conn: redis.Redis, team_id: str) -> Session:
    session = Session(team_id=team_id, channel_id="C1", thread_ts="1.1", requested_by="U1", trigger_ts="1.1")
    session.phase = Phase.AWAITING_ANSWERS
    session.questions = [Question(number=1, area=Area.DATA, text="Which store?")]
    redis_conn.set(session.key, session.model_dump_json())
    return session


def test_a_form_of_another_workspace_is_refused(redis_conn: redis.Redis) -> None:
    settings = Settings(slack_bot_token=SecretStr("xoxb-1-2"), openai_api_key=SecretStr("sk"))  # type: ignore[call-arg]
    rt = build_runtime(settings, redis_conn, JOBS).for_tenant("E1.T1")
    awaiting(redis_conn, "E1.T1")
    awaiting(redis_conn, "E1.T2")  # another workspace of the org (same org token: the same Slack access)
    answer = {"q1": {"answer": {"type": "plain_text_input", "value": "Postgres"}}}

    def submit(key: str) -> Session | None:
        return forms.check_submission(rt, {"private_metadata": key, "state": {"values": answer}})[0]

    assert submit(session_key("E1.T2", "C1", "1.1")) is None
    assert submit("techspec:replies:E1.T1:C1:1.1") is None  # not a session key at all
    found = submit(session_key("E1.T1", "C1", "1.1"))
    assert found is not None and found.team_id == "E1.T1"
