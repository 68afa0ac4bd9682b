"""`python -m bench.attribution` (and `make eval`) score answer attribution on the annotated fixture threads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.attribution import THREADS_DIR, main
from bot.spec.schemas import Area


def test_every_fixture_thread_has_annotated_free_form_replies() -> None:
    for path in THREADS_DIR.glob("*.json"):
        replies = json.loads(path.read_text())["replies"]
        assert replies and any(r["answers"] == [] for r in replies), path.name  # chatter included
        assert all({"user", "text", "answers"} == set(r) for r in replies)
        assert all(area in {a.value for a in Area} for r in replies for area in r["answers"])


def test_attribution_is_scored_per_thread_with_one_request_each(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--emulator", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    threads = {t["thread"]: t for t in result["threads"]}
    assert set(threads) >= {"csv-export", "rate-limiting", "search-migration", "webhooks"}
    assert all(t["calls"] == 1 and t["prompt_tokens"] > 0 for t in threads.values())  # a burst: one request
    total = result["total"]
    assert total["replies"] == sum(t["replies"] for t in threads.values())
    # The emulator's keyword "model" gets most right and some wrong: the scoring sees both.
    assert total["correct"] > total["wrong"] + total["missed"] > 0
    assert threads["rate-limiting"]["missed"] == 1  # tenant_limits answers data, too: the keywords miss it


def test_a_thread_without_replies_costs_no_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fixture = json.loads((THREADS_DIR / "webhooks.json").read_text()) | {"replies": []}
    (tmp_path / "quiet.json").write_text(json.dumps(fixture))
    assert main(["--emulator", "--json", "--threads", str(tmp_path)]) == 0
    quiet = json.loads(capsys.readouterr().out)["threads"][0]
    assert quiet["calls"] == 0 and quiet["replies"] == 0
