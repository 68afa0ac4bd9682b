"""Record which `bot` modules run, in order, and reduce the record to a walk (for `bench.trace_walk`).

Definitions (what the numbers of `python -m bench.trace_walk` mean):

- A *bot frame* is a Python function frame whose module (`frame.f_globals["__name__"]`) is `bot` or under
  `bot.`; module bodies (`<module>`, run on import) do not count. Each thread keeps a stack of its bot frames.
  Library frames between them (Bolt, RQ, slack_sdk, pydantic, ...) are transparent: Bolt calling a listener,
  or pydantic calling a validator, is a call from the innermost bot frame below it, if any.
- A thread's *current module* is the module of its innermost bot frame. A *segment* runs from a thread's
  first bot call until its bot stack is empty again (one listener run, one RQ job, one heartbeat thread).
- The *path* is the current module of the *focused* thread over time, consecutive repeats collapsed, gaps
  (no bot code running) skipped. The focused thread is the one with the latest call or return; when it
  leaves bot code, the most recently active thread still in bot code (a thread the bot starts, such as the
  lease heartbeat, so counts as a call at the moment it starts, and its end as a return to its starter).
  The path ends where slack_sdk's `pins_add` is first called.
- A *transition* is a change of module on the path: len(path) - 1 of them.
- A transition into module B is a *step back up* when B is already on the path before it (B was visited and
  left earlier). It is a *return* when a bot frame returning made B current again, a *call* when a call
  went into B (from bot code, or from a library starting a segment: Bolt running a listener, RQ a job).
  Every other transition enters a module for the first time, so steps back up = transitions - (modules - 1).
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

# (sequence number, thread id, current module after the event or None when the stack emptied, "call"/"return")
Event = tuple[int, int, str | None, str]


@dataclass
class CallRecorder:
    """A profile function (for sys.setprofile and threading.setprofile) that records bot calls and returns."""

    package: str = "bot"
    stop_library: str = "slack_sdk"
    stop_function: str = "pins_add"
    recording: bool = False
    events: list[Event] = field(default_factory=list)
    cut: int | None = None  # sequence number of the first stop_function call
    _seq: itertools.count[int] = field(default_factory=itertools.count)
    _stacks: dict[int, list[tuple[FrameType, str]]] = field(default_factory=dict)

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        """Record a call into, or a return from, a bot frame; note the first call of the stop function."""
        if not self.recording or event not in ("call", "return"):
            return
        module = str(frame.f_globals.get("__name__", ""))
        name = frame.f_code.co_name
        if name == "<module>" or not (module == self.package or module.startswith(self.package + ".")):
            if event == "call" and self.cut is None and name == self.stop_function:
                if module.startswith(self.stop_library):
                    self.cut = next(self._seq)
            return
        thread = threading.get_ident()
        stack = self._stacks.setdefault(thread, [])
        if event == "call":
            stack.append((frame, module))
            self.events.append((next(self._seq), thread, module, "call"))
        elif stack and stack[-1][0] is frame:
            stack.pop()
            self.events.append((next(self._seq), thread, stack[-1][1] if stack else None, "return"))

    def calls_before_cut(self) -> int:
        """Bot function calls (generator resumptions included) recorded before the stop function."""
        end = self.cut if self.cut is not None else float("inf")
        return sum(1 for seq, _, _, kind in self.events if kind == "call" and seq < end)


@dataclass(frozen=True)
class Walk:
    """The path through the bot's modules and what the definitions above count on it."""

    path: list[str]
    causes: list[str]  # causes[i]: "call" or "return", what made path[i + 1] current
    calls: int

    @property
    def modules(self) -> list[str]:
        """Distinct modules in first-visit order."""
        return list(dict.fromkeys(self.path))

    @property
    def transitions(self) -> int:
        """Changes of module along the path."""
        return len(self.causes)

    def steps_back(self, cause: str | None = None) -> int:
        """Transitions into a module already on the path before (only those of one cause, if given)."""
        seen: set[str] = set(self.path[:1])
        count = 0
        for module, why in zip(self.path[1:], self.causes, strict=True):
            if module in seen and cause in (None, why):
                count += 1
            seen.add(module)
        return count

    def folders(self) -> Walk:
        """The same walk one level up: each module counted as its folder (bot.flow.intake -> bot.flow).

        In a flat layout every module is its own "folder", so this shows how much of the walk a reader can
        follow from the folder names alone.
        """
        path: list[str] = []
        causes: list[str] = []
        for index, module in enumerate(self.path):
            folder = ".".join(module.split(".")[:2])
            if path and folder == path[-1]:
                continue
            if path:
                causes.append(self.causes[index - 1])
            path.append(folder)
        return Walk(path=path, causes=causes, calls=self.calls)

    def as_dict(self) -> dict[str, Any]:
        """The figures, JSON-ready."""
        folders = self.folders()
        return {
            "folders": folders.modules,
            "folder_transitions": folders.transitions,
            "folder_back": folders.steps_back(),
            "modules": self.modules,
            "transitions": self.transitions,
            "edges": len(set(zip(self.path, self.path[1:], strict=False))),
            "last": self.path[-1] if self.path else None,
            "back": self.steps_back(),
            "back_returns": self.steps_back("return"),
            "back_calls": self.steps_back("call"),
            "calls": self.calls,
        }


def reduce_to_walk(recorder: CallRecorder) -> Walk:
    """Cut the record at the stop function and collapse it into the path (the focused thread's module)."""
    end = recorder.cut if recorder.cut is not None else float("inf")
    current: dict[int, str] = {}  # thread -> the module of its innermost bot frame, while it has one
    recency: dict[int, None] = {}  # threads, the most recently active last
    path: list[str] = []
    causes: list[str] = []
    for seq, thread, module, kind in sorted(recorder.events):
        if seq >= end:
            break
        if module is None:
            current.pop(thread, None)
        else:
            current[thread] = module
        recency.pop(thread, None)
        recency[thread] = None
        focus = next((t for t in reversed(recency) if t in current), None)
        if focus is None or (path and current[focus] == path[-1]):
            continue  # no bot code running (a gap between segments), or no change of module
        if path:
            causes.append(kind if focus == thread else "return")
        path.append(current[focus])
    return Walk(path=path, causes=causes, calls=recorder.calls_before_cut())
