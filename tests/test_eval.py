"""`make eval` against the model emulator: the whole pipeline runs and the repair loop shows in the numbers."""

from __future__ import annotations

import json

import pytest

from bench.eval import main


def test_eval_with_the_emulator_measures_the_repair_loop(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--emulator", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    threads = {t["thread"]: t for t in result["threads"]}
    assert set(threads) >= {"csv-export", "rate-limiting", "search-migration", "webhooks"}
    total = result["total"]
    assert total["before"][0] < total["after"][0] <= total["after"][1] == total["before"][1]
    # Repaired in one targeted round: every item passes afterwards.
    assert threads["csv-export"]["rounds"] == 1 and threads["csv-export"]["needs_human"] == []
    assert threads["csv-export"]["after"][0] == threads["csv-export"]["after"][1]
    # What two rounds could not fix is reported, not hidden.
    assert threads["webhooks"]["rounds"] == 2 and threads["webhooks"]["needs_human"] == ["testing"]
    assert threads["search-migration"]["needs_human"] == ["error_handling"]  # Debezium has no row
    assert threads["search-migration"]["sourced"] == [2, 3]  # the unsourced FR is an assumption
    assert all(t["questions"] for t in threads.values())
    assert total["prompt_tokens"] > 0 and total["completion_tokens"] > 0


def test_eval_prints_a_table_per_thread_and_in_total(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--emulator"]) == 0
    out = capsys.readouterr().out
    assert "checklist before" in out and "after repair" in out and "tokens in/out" in out
    assert "needs a human: testing" in out
    assert out.strip().splitlines()[-1].startswith("total")
