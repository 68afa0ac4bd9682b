"""Read a package's source with `ast` (never importing it): modules, their imports, and the import graph.

Used by tests/test_architecture.py.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SourceModule:
    """One .py file of the package: its dotted name, where it is, and its parsed tree."""

    name: str
    path: Path
    relative_path: str
    source: str
    tree: ast.Module

    @property
    def is_package(self) -> bool:
        """True for a package's __init__.py."""
        return self.path.name == "__init__.py"

    @property
    def line_count(self) -> int:
        """Lines in the file."""
        return len(self.source.splitlines())


@dataclass(frozen=True)
class Import:
    """One imported name, resolved to the deepest module of the package it names when there is one."""

    importer: str
    target: str
    line: int

    @property
    def top_level(self) -> str:
        """The distribution-level name ("slack_sdk" for "slack_sdk.errors")."""
        return self.target.split(".")[0]


def load_modules(repo: Path, package: str = "bot") -> dict[str, SourceModule]:
    """Every module under repo/package, by dotted name ("bot.flow.jobs"; "bot.flow" for its __init__)."""
    modules: dict[str, SourceModule] = {}
    for path in sorted((repo / package).rglob("*.py")):
        parts = list(path.relative_to(repo).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        source = path.read_text(encoding="utf-8")
        name = ".".join(parts)
        relative = path.relative_to(repo).as_posix()
        modules[name] = SourceModule(name, path, relative, source, ast.parse(source, filename=relative))
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node that runs at import or call time: the bodies of `if TYPE_CHECKING:` are left out."""
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))


def _deepest_module(name: str, known: dict[str, SourceModule]) -> str:
    """The longest prefix of name that is a module of the package ("bot.x.func" -> "bot.x"), else name."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return name


def _from_base(module: SourceModule, node: ast.ImportFrom) -> str:
    """The absolute module a `from ... import` reads from (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    package = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    anchor = package[: len(package) - (node.level - 1)]
    return ".".join(anchor + ([node.module] if node.module else []))


def imports_of(module: SourceModule, known: dict[str, SourceModule]) -> list[Import]:
    """Every import in module, module-level and function-level, except those under `if TYPE_CHECKING:`."""
    found: list[Import] = []
    for node in runtime_nodes(module.tree):
        if isinstance(node, ast.Import):
            found.extend(Import(module.name, _deepest_module(a.name, known), node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _from_base(module, node)
            for alias in node.names:
                # `from bot.slack import texts` imports the submodule bot.slack.texts, not the package.
                target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                found.append(Import(module.name, _deepest_module(target, known), node.lineno))
    return sorted(set(found), key=lambda i: (i.line, i.target))


def import_graph(modules: dict[str, SourceModule]) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (self-imports dropped)."""
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, module in modules.items():
        graph[name] |= {i.target for i in imports_of(module, modules) if i.target in modules and i.target != name}
    return graph


def shortest_path(graph: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    """The fewest-imports path start -> ... -> goal (breadth first, ties broken by name), or None."""
    came_from: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        if current == goal:
            path = [current]
            while (previous := came_from[path[-1]]) is not None:
                path.append(previous)
            return path[::-1]
        for following in sorted(graph.get(current, ())):
            if following not in came_from:
                came_from[following] = current
                queue.append(following)
    return None


def reachable(graph: dict[str, set[str]], starts: list[str]) -> set[str]:
    """The starts and every module they import, directly or not."""
    seen = set(starts)
    pending = list(starts)
    while pending:
        for following in graph.get(pending.pop(), ()):
            if following not in seen:
                seen.add(following)
                pending.append(following)
    return seen


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The shortest cycle through each module that is on one, each once, as [a, b, ..., a]."""
    cycles: set[tuple[str, ...]] = set()
    for name in sorted(graph):
        back = [shortest_path(graph, following, name) for following in sorted(graph[name])]
        loops = [[name, *path] for path in back if path is not None]
        if not loops:
            continue
        loop = min(loops, key=len)[:-1]
        # The same circle found from each of its members: rotate it to start at its smallest name.
        first = loop.index(min(loop))
        cycles.add(tuple(loop[first:] + loop[:first]))
    return [[*cycle, cycle[0]] for cycle in sorted(cycles)]


Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def definitions(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, Definition, bool]]:
    """(qualified name, node, is local) for every class and function, nested ones included."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield prefix + node.name, node, "<locals>" in prefix
            inner = f"{prefix}{node.name}." if isinstance(node, ast.ClassDef) else f"{prefix}{node.name}.<locals>."
            yield from definitions(node, inner)
        else:
            yield from definitions(node, prefix)
