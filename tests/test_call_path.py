"""bench.call_path's definitions, on a small package written for the test and traced for real."""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.call_path import CallRecorder, reduce_to_walk

SOURCES = {
    "walkpkg/__init__.py": "",
    "walkpkg/a.py": (
        "import threading\nimport stoplib\nfrom walkpkg import b\n\n"
        "def start():\n    b.one()\n    b.two()\n    stoplib.pins_add()\n    b.one()\n\n"
        "def spawn():\n    beat = threading.Thread(target=b.one)\n    beat.start()\n    beat.join()\n"
        "    stoplib.pins_add()\n"
    ),
    "walkpkg/b.py": "from walkpkg import c\n\ndef one():\n    return 1\n\ndef two():\n    return c.three()\n",
    "walkpkg/c.py": "def three():\n    return 3\n",
    "stoplib.py": "def pins_add():\n    return True\n",
}


@pytest.fixture
def walkpkg(tmp_path: Path) -> Iterator[object]:
    """The package a -> b -> c importable from tmp_path, and forgotten afterwards."""
    for name, text in SOURCES.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("walkpkg.a")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.startswith(("walkpkg", "stoplib"))]:
            del sys.modules[name]


def trace(function: object) -> CallRecorder:
    """Run function under the recorder (this thread and the threads it starts)."""
    recorder = CallRecorder(package="walkpkg", stop_library="stoplib", recording=True)
    sys.setprofile(recorder)
    threading.setprofile(recorder)
    try:
        function()  # type: ignore[operator]
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    return recorder


def test_calls_and_returns_into_visited_modules_are_steps_back_up(walkpkg: object) -> None:
    walk = reduce_to_walk(trace(walkpkg.start))  # type: ignore[attr-defined]
    names = [module.removeprefix("walkpkg.") for module in walk.path]
    # a calls b, back to a, calls b again, b calls c, c returns to b, b to a; the last b.one() is after pins_add.
    assert names == ["a", "b", "a", "b", "c", "b", "a"]
    assert walk.causes == ["call", "return", "call", "call", "return", "return"]
    assert [m.removeprefix("walkpkg.") for m in walk.modules] == ["a", "b", "c"]
    assert (walk.transitions, walk.steps_back(), walk.steps_back("return"), walk.steps_back("call")) == (6, 4, 3, 1)
    assert walk.calls == 4  # start, one, two, three


def test_a_thread_the_code_starts_is_spliced_in_where_it_starts(walkpkg: object) -> None:
    walk = reduce_to_walk(trace(walkpkg.spawn))  # type: ignore[attr-defined]
    assert [module.removeprefix("walkpkg.") for module in walk.path] == ["a", "b", "a"]
    assert walk.causes == ["call", "return"]
