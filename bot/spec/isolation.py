"""Running an admin's template in a child process with CPU, memory and wall-clock limits (stdlib only).

The sandbox's own bounds (bot.spec.sandbox) stop the obvious ways to build huge values, but one C-level
operation (a big-int multiply, a string method) never returns to the tracer that enforces the deadline,
and a new way to allocate memory could always be found. So every render of an admin's template runs in a
fresh child: RLIMIT_CPU and RLIMIT_AS bound it, the parent kills it at a wall-clock deadline, and the web
process (which checks an uploaded template before Slack's 3 s are up) and the worker never stall with it.
Children come from multiprocessing's forkserver: a small clean process started once (with this package
imported), so a child neither copies a threaded web process nor pays for a new interpreter (~10 ms each).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os
import resource
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

MEMORY_HEADROOM = 256 * 1024 * 1024  # bytes of address space a render may add to what the child starts with
CPU_SECONDS = 2
_context = multiprocessing.get_context("forkserver")


def preload(module: str) -> None:
    """Import module in the forkserver once, so each child starts with it (the sandbox calls this)."""
    _context.set_forkserver_preload([module])


class IsolatedProblem(Exception):
    """What the child reported or how it ended, in words for the admin."""


def warm() -> None:
    """Start the forkserver now (about 0.2 s), so the first admin's check does not spend Slack's 3 s on it."""
    multiprocessing.forkserver.ensure_running()


def run_isolated(function: Callable[..., Any], args: tuple[Any, ...], *, seconds: float) -> Any:
    """function(*args) in a limited child process: its result, its ValueError again, or IsolatedProblem."""
    receiver, sender = _context.Pipe(duplex=False)
    child = _context.Process(target=_child, args=(sender, function, args), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise IsolatedProblem(f"rendering took longer than {seconds:g} seconds")
        kind, value = receiver.recv()
    except EOFError:
        raise IsolatedProblem("rendering used more memory or time than allowed") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(1)
    if kind == "ok":
        return value
    if kind == "value-error":
        raise value
    raise IsolatedProblem(value)


def _limit() -> None:
    """This process's CPU seconds and address space, from what it already uses plus the headroom."""
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))
    with open("/proc/self/statm") as statm:
        size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (size + MEMORY_HEADROOM, size + MEMORY_HEADROOM))


def _child(sender: Connection, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        _limit()
        result: tuple[str, Any] = ("ok", function(*args))
    except MemoryError:
        result = ("problem", "rendering used more memory than allowed")
    except ValueError as exc:  # TemplateProblem and the like: shown to the admin as they are
        result = ("value-error", exc)
    except BaseException as exc:  # noqa: BLE001 - whatever it was, the parent says so in words
        result = ("problem", str(exc) or type(exc).__name__)
    try:
        sender.send(result)
    except Exception:  # noqa: BLE001 - a result that does not pickle
        sender.send(("problem", "the render's result could not be returned"))
    finally:
        sender.close()
