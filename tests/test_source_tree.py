"""The source reader behind test_architecture and bench/walk, on a small package written for the test."""

from __future__ import annotations

from pathlib import Path

from tests.support.source_tree import definitions, import_cycles, import_graph, load_modules, shortest_path

FILES = {
    "bot/__init__.py": "",
    "bot/a.py": "from bot.pkg import b\n",
    "bot/pkg/__init__.py": "",
    "bot/pkg/b.py": "def late():\n    from bot import c  # counts: it runs when late() is called\n",
    "bot/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot import a\nelse:\n    import bot.d\n",
    "bot/d.py": "from .pkg.b import late\n",
}


def write_package(root: Path) -> None:
    """Write FILES under root."""
    for relative, text in FILES.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)


def test_graph_resolves_submodules_relative_and_function_level_imports(tmp_path: Path) -> None:
    write_package(tmp_path)
    graph = import_graph(load_modules(tmp_path))
    assert graph["bot.a"] == {"bot.pkg.b"}
    assert graph["bot.pkg.b"] == {"bot.c"}
    assert graph["bot.c"] == {"bot.d"}  # the TYPE_CHECKING import of bot.a is left out, its else branch is not
    assert graph["bot.d"] == {"bot.pkg.b"}
    assert shortest_path(graph, "bot.a", "bot.d") == ["bot.a", "bot.pkg.b", "bot.c", "bot.d"]


def test_each_cycle_is_reported_once_from_its_smallest_name(tmp_path: Path) -> None:
    write_package(tmp_path)
    assert import_cycles(import_graph(load_modules(tmp_path))) == [["bot.c", "bot.d", "bot.pkg.b", "bot.c"]]


def test_definitions_mark_functions_inside_functions_as_local(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "m.py").write_text("class K:\n    def f(self):\n        def g():\n            pass\n")
    found = [(name, local) for name, _, local in definitions(load_modules(tmp_path)["bot.m"].tree)]
    assert found == [("K", False), ("K.f", False), ("K.f.<locals>.g", True)]
