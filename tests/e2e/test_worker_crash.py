"""A worker SIGKILLed while the model is writing the spec: another worker finishes it, exactly once."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.helpers import (
    CLEAR,
    bot_messages,
    design_thread,
    spec_files,
    status_text,
    wait_for_pinned_spec,
)
from tests.support.processes import BotProcess
from tests.support.waiting import wait_until

# RQ notices the dead worker after its heartbeat grace (3 s here) + monitoring (1 s) + maintenance (2 s);
# the re-run then waits out the dead job's session lease (15 s) and runs: well under this.
RECOVERY_BOUND_SECONDS = 45


@pytest.mark.parametrize("survivor", [False, True], ids=["whole-worker", "job-process-survives"])
def test_worker_killed_mid_write_gives_exactly_one_spec(fresh: Stack, survivor: bool) -> None:
    stack = fresh
    channel = stack.new_channel()
    root = design_thread(stack, channel)
    stack.model.script("ClarifyResult", CLEAR)
    hold = stack.model.hold("TechnicalSpecDraft")
    mention = stack.slack.post_message(channel, "UANA", "<@UBOT> write it up", thread_ts=root)
    assert hold.wait_started(20), stack.logs()

    old_worker = stack.processes[1]
    if survivor:
        # Only RQ's main process dies; the job's own process lives on and finishes its attempt while
        # RQ re-runs the job elsewhere: the session lease must keep the two from both writing.
        assert old_worker.process is not None
        os.kill(old_worker.process.pid, signal.SIGKILL)
        old_worker.process.wait(10)
        hold.release()
    else:
        old_worker.kill(signal.SIGKILL)  # the worker and its job process
        hold.abort()
    killed_at = time.monotonic()
    replacement = BotProcess("worker", stack.env).start()
    stack.processes[1] = replacement

    spec = wait_for_pinned_spec(stack, channel, root, timeout=RECOVERY_BOUND_SECONDS)
    recovery = time.monotonic() - killed_at
    print(
        f"\nspec pinned {recovery:.1f} s after the SIGKILL ({'job process survived' if survivor else 'whole worker'})"
    )
    assert recovery < RECOVERY_BOUND_SECONDS
    wait_until(lambda: "Done" in status_text(stack, channel, root), 10, message="done status")
    assert len(spec_files(stack.slack, channel, root)) == 1
    assert spec.content.decode().startswith("## Technical Spec:")
    # One status line, updated in place: nothing the first worker posted was posted again.
    # (The spec's summary, with its Revise button, is a separate message: counted apart, at most one.)
    posted = [m for m in bot_messages(stack.slack, channel, root) if "upload" not in m]
    summaries = [m for m in posted if "techspec_revise" in str(m.get("blocks"))]
    assert len(posted) - len(summaries) == 1 and len(summaries) <= 1, posted
    assert len(stack.slack.pins(channel)) == 1
    assert "white_check_mark" in stack.slack.reactions(channel, mention)
