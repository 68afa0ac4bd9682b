"""GET /metrics on the web and the worker: scraped after a session, its numbers are what happened."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import SIGNING_SECRET, Stack, running_stack
from tests.e2e.helpers import CLEAR, design_thread, wait_for_pinned_spec
from tests.support.redis_server import free_port
from tests.support.waiting import wait_until

PRICES = (2.0, 8.0)  # USD per million input / output tokens for the test model


@pytest.fixture(scope="module")
def measured(redis_url: str) -> Iterator[tuple[Stack, int]]:
    """A stack whose worker serves /metrics on a port of its own, with a price for the test model."""
    port = free_port()
    overrides = {
        "TECHSPEC_METRICS_PORT": str(port),
        "TECHSPEC_MODEL_PRICES": '{"test-model": {"input": 2.0, "output": 8.0}}',
        "TECHSPEC_WEB_WORKERS": "3",  # the web's /metrics adds up its gunicorn processes
    }
    with running_stack(redis_url.rsplit("/", 1)[0] + "/2", **overrides) as stack:
        yield stack, port


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics page, keyed by (name, sorted labels)."""
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def total(samples: dict, name: str, **labels: str) -> float:
    """Sum of the samples of name whose labels include labels."""
    return sum(v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls))


def test_metrics_count_what_happened(measured: tuple[Stack, int]) -> None:
    stack, worker_port = measured
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    stack.model.script("ClarifyResult", CLEAR)
    stack.slack.fail_next("pins.add", http_status=429, retry_after=1)  # retried: one 429, then pinned
    stack.slack.fail_next("chat.getPermalink", error="internal_error")  # tolerated, but counted
    stack.slack.post_message(channel, "UANA", "<@UBOT> spec", thread_ts=root)
    wait_for_pinned_spec(stack, channel, root)
    worker_url = f"http://127.0.0.1:{worker_port}/metrics"
    # The step's duration is recorded as it returns, just after the session is marked done.
    worker = wait_until(
        lambda: m if total(m := scrape(worker_url), "techspec_step_duration_seconds_count") else None,
        20,
        message="a finished step in the worker's metrics",
    )

    assert total(worker, "techspec_sessions_total", outcome="spec") == 1
    assert total(worker, "techspec_sessions_total", outcome="failed") == 0
    answered = [r for r in stack.model.calls("*") if r.response_status == 200 and r.usage]
    assert total(worker, "techspec_model_call_duration_seconds_count") == len(answered) >= 2
    prompt = sum(r.usage["prompt_tokens"] for r in answered if r.usage)
    completion = sum(r.usage["completion_tokens"] for r in answered if r.usage)
    assert total(worker, "techspec_model_tokens_total", kind="prompt") == prompt
    assert total(worker, "techspec_model_tokens_total", kind="completion") == completion
    cost = total(worker, "techspec_model_cost_usd_total", model="test-model")
    assert cost == pytest.approx((prompt * PRICES[0] + completion * PRICES[1]) / 1e6)
    assert total(worker, "techspec_slack_rate_limited_total", method="pins.add") == 1
    assert total(worker, "techspec_slack_errors_total", method="chat.getPermalink", error="internal_error") == 1
    # A clear thread is read and written in one step (the read job goes straight on to the spec).
    assert total(worker, "techspec_step_duration_seconds_count", step="read", outcome="ok") == 1
    assert total(worker, "techspec_step_duration_seconds_count", outcome="error") == 0

    web = scrape(f"http://127.0.0.1:{stack.port}/metrics")
    assert total(web, "techspec_redis_up") == 1
    assert total(web, "techspec_workers_alive") == 1
    assert total(web, "techspec_queue_jobs", state="queued") == 0
    assert total(web, "techspec_queue_oldest_job_age_seconds") == 0


def test_a_bad_signature_is_counted_and_warned_about_once_a_minute_without_the_secret(
    measured: tuple[Stack, int],
) -> None:
    stack, _ = measured
    for _ in range(6):
        request = urllib.request.Request(
            f"http://127.0.0.1:{stack.port}/slack/events",
            data=b'{"type": "event_callback"}',
            headers={"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=bad"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
    web = scrape(f"http://127.0.0.1:{stack.port}/metrics")
    assert total(web, "techspec_signature_failures_total") == 6
    warnings = [line for line in stack.full_logs().splitlines() if "failed the signature check" in line]
    assert len(warnings) == 1 and '"level": "warning"' in warnings[0]
    assert SIGNING_SECRET not in stack.full_logs()
