"""`make real-model-check`'s driver, run against the model emulator playing llama_cpp.server.

The real servers take minutes to build and run, so CI checks the driver here in seconds: real
redis-server, real web and worker processes, the Slack emulator, and a model endpoint that refuses
json_schema with llama_cpp.server's own 500 and runs one generation at a time.
"""

from __future__ import annotations

import pytest

from bench.real_model_check import main


def test_every_trigger_ends_pinned_and_each_negotiation_step_is_logged(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--server", "emulator", "--limit", "120"]) == 0
    out = capsys.readouterr().out
    assert "== emulator: PASS" in out
    assert out.count("pinned spec") == 2
    assert "step ok  structured mode rejected" in out and "step ok  structured mode works" in out
    assert "(refused)" in out and "HTTP 500" in out and "json_object_schema" in out
