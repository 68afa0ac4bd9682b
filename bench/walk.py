"""Count the modules on the walk from a mention to `pins.add`: `python -m bench.walk [--repo PATH]`.

Reads bot/ with `ast` (nothing is imported, so any checkout works, before or after the Layout move) and follows
the static imports, function-level ones included, `if TYPE_CHECKING:` ones not. Jobs named by dotted strings are
invisible to this walk, as they are to any reader; package __init__ files are counted only when imported by name.
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.support.source_tree import SourceModule, import_graph, load_modules, reachable, shortest_path

# The job entry module: the new layout's first, then the flat layout's (bot/jobs.py before the move).
JOB_MODULES = ("bot.flow.jobs", "bot.jobs")


@dataclass(frozen=True)
class Walk:
    """What the walk found in one checkout."""

    module_count: int
    listener: str
    jobs: str
    target: str
    visited: frozenset[str]
    on_a_path_to_target: frozenset[str]
    listener_path: list[str] | None
    jobs_path: list[str] | None


def _calls(tree: ast.AST, accepts: Callable[[ast.Call], bool]) -> bool:
    return any(isinstance(node, ast.Call) and accepts(node) for node in ast.walk(tree))


def registers_app_mention(call: ast.Call) -> bool:
    """True for `<app>.event("app_mention")`, the registration of the mention listener."""
    first = call.args[0] if call.args else None
    return (
        isinstance(call.func, ast.Attribute)
        and call.func.attr == "event"
        and isinstance(first, ast.Constant)
        and first.value == "app_mention"
    )


def calls_pins_add(call: ast.Call) -> bool:
    """True for `<client>.pins_add(...)`."""
    return isinstance(call.func, ast.Attribute) and call.func.attr == "pins_add"


def the_module(modules: dict[str, SourceModule], accepts: Callable[[ast.Call], bool], what: str) -> str:
    """The one module with a call accepts likes (the first by name when several do)."""
    found = sorted(name for name, module in modules.items() if _calls(module.tree, accepts))
    if not found:
        raise SystemExit(f"no module in bot/ {what}")
    return found[0]


def measure(repo: Path) -> Walk:
    """Build the import graph of repo/bot and walk it from the mention listener and the job entry module."""
    modules = load_modules(repo)
    graph = import_graph(modules)
    listener = the_module(modules, registers_app_mention, 'registers "app_mention"')
    target = the_module(modules, calls_pins_add, "calls pins_add")
    jobs = next((name for name in JOB_MODULES if name in modules), None)
    if jobs is None:
        raise SystemExit(f"no job entry module: none of {', '.join(JOB_MODULES)}")
    visited = reachable(graph, [listener, jobs])
    # A visited module is needed for pins.add when some chain of its imports leads to the target's module.
    leads_to_target = {name for name in visited if target in reachable(graph, [name])}
    return Walk(
        module_count=len(modules),
        listener=listener,
        jobs=jobs,
        target=target,
        visited=frozenset(visited),
        on_a_path_to_target=frozenset(leads_to_target),
        listener_path=shortest_path(graph, listener, target),
        jobs_path=shortest_path(graph, jobs, target),
    )


def describe_path(path: list[str] | None) -> str:
    """'N modules: a -> b -> c', or that there is none."""
    return f"{len(path)} modules: {' -> '.join(path)}" if path else "no import path"


def print_table(repo: Path, walk: Walk) -> None:
    """Print the figures as a small two-column table."""
    rows = [
        ("checkout", str(repo)),
        ("modules in bot/", str(walk.module_count)),
        ("mention listener", walk.listener),
        ("job entry module", walk.jobs),
        ("pins_add module", walk.target),
        ("(a) listener + jobs and all they import", str(len(walk.visited))),
        ("    of which on an import path to pins_add", str(len(walk.on_a_path_to_target))),
        ("(b) shortest listener -> pins_add", describe_path(walk.listener_path)),
        ("    shortest jobs -> pins_add", describe_path(walk.jobs_path)),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print(f"\n(a) modules: {', '.join(sorted(walk.visited))}")


def main(argv: list[str] | None = None) -> None:
    """Parse --repo, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1], help="checkout to read")
    repo = parser.parse_args(argv).repo.resolve()
    print_table(repo, measure(repo))


if __name__ == "__main__":
    main()
