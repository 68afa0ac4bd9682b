"""The layout's rules, checked by reading bot/ with `ast` (nothing is imported). ARCHITECTURE.md explains them.

Every test lists all of its offenders at once, so one run shows everything there is to fix.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.source_tree import (
    SourceModule,
    definitions,
    import_cycles,
    import_graph,
    imports_of,
    load_modules,
)

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Layer:
    """What the modules a rule covers may import: bot modules allowed, third-party packages forbidden."""

    may_import: tuple[str, ...]
    never_import: tuple[str, ...] = ()


# The rule table (ARCHITECTURE.md shows the same one). "bot.spec.*" is the package bot.spec and everything in it;
# a name without ".*" is that one module. A module follows its most specific rule: an exact name beats a package,
# a deeper package beats a shallower one. A module no rule covers fails test_every_module_has_a_layer.
EVERYTHING = ("bot.*",)
SERVICES_NEVER = ("slack_sdk", "slack_bolt", "redis", "rq", "openai", "gunicorn", "fakeredis")
LAYERS: dict[str, Layer] = {
    "bot.spec.*": Layer(
        ("bot.spec.*", "bot.errors", "bot.llm.port", "bot.llm.prompts", "bot.llm.tokens"), SERVICES_NEVER
    ),
    "bot.llm.*": Layer(("bot.llm.*", "bot.errors", "bot.obs.*"), ("openai",)),
    "bot.llm.client": Layer(("bot.llm.*", "bot.errors", "bot.obs.*")),
    "bot.store.*": Layer(
        ("bot.store.*", "bot.spec.*", "bot.config.*", "bot.errors"), ("slack_sdk", "slack_bolt", "openai")
    ),
    # slack_sdk's InstallationStore/OAuthStateStore interfaces and models (slack_sdk.oauth); it makes no calls.
    "bot.store.installations": Layer(
        ("bot.store.*", "bot.spec.*", "bot.config.*", "bot.errors"), ("slack_bolt", "openai")
    ),
    "bot.slack.*": Layer(
        ("bot.slack.*", "bot.spec.*", "bot.errors", "bot.obs.*"), ("redis", "rq", "openai", "slack_bolt")
    ),
    "bot.flow.*": Layer(
        ("bot.flow.*", "bot.store.*", "bot.slack.*", "bot.spec.*", "bot.llm.*")
        + ("bot.wiring", "bot.config", "bot.errors", "bot.logs", "bot.obs.*"),
        ("slack_bolt", "openai"),
    ),
    "bot.listeners.*": Layer(
        ("bot.listeners.*", "bot.flow.*", "bot.slack.*", "bot.spec.*", "bot.store.*")
        + ("bot.wiring", "bot.config", "bot.errors"),
        ("openai", "rq"),
    ),
    "bot.wiring.*": Layer(
        ("bot.wiring.*", "bot.config.*", "bot.store.*", "bot.slack.*", "bot.llm.*", "bot.spec.*", "bot.errors")
    ),
    "bot.config.*": Layer(("bot.config.*",)),
    "bot.errors": Layer(()),
    "bot.logs": Layer(("bot.spec.redaction", "bot.obs.*")),
    "bot.obs.*": Layer((), ("slack_sdk", "slack_bolt", "redis", "rq", "openai")),
    "bot.run.*": Layer(EVERYTHING),
    "bot.__main__": Layer(EVERYTHING),
    # Old job paths kept for jobs already queued by a running deployment: they re-export bot.flow.jobs only.
    "bot.jobs": Layer(("bot.flow.jobs",)),
    "bot.followups": Layer(("bot.flow.jobs",)),
    # The package's own __init__: empty, so that `import bot.x` loads nothing else.
    "bot": Layer(()),
}
MAX_TOP_LEVEL_MODULES = 8
MAX_FILE_LINES = 300
MAX_FUNCTION_LINES = 40
RUNTIME_USERS = ("bot.flow.jobs", "bot.wiring.*", "bot.run.*")  # wiring defines current_runtime
DOTTED_BOT_PATH = re.compile(r"bot(\.[A-Za-z_]\w*)+")


def matches(name: str, pattern: str) -> bool:
    """True when name is the module pattern names, or (for "pkg.*") pkg or anything inside it."""
    if pattern.endswith(".*"):
        package = pattern[:-2]
        return name == package or name.startswith(package + ".")
    return name == pattern


def layer_of(module: str) -> tuple[str, Layer] | None:
    """The most specific rule covering module, with its pattern, or None."""
    covering = [pattern for pattern in LAYERS if matches(module, pattern)]
    if not covering:
        return None
    best = max(covering, key=lambda pattern: (not pattern.endswith(".*"), pattern.count(".")))
    return best, LAYERS[best]


def report(problem: str, offenders: list[str]) -> str:
    """A failure message listing every offender on its own line."""
    return f"{len(offenders)} {problem}:\n  " + "\n  ".join(offenders)


@pytest.fixture(scope="module")
def modules() -> dict[str, SourceModule]:
    """Every module of bot/, parsed once for all the checks."""
    return load_modules(REPO)


def test_rule_table_names_only_bot_modules() -> None:
    bad = [p for p, layer in LAYERS.items() for name in (p, *layer.may_import) if not matches(name, "bot.*")]
    assert not bad, report("rule-table entries outside bot", bad)


def documented_layers() -> dict[str, Layer]:
    """The rule table of ARCHITECTURE.md: module | may import | never imports | why."""
    documented: dict[str, Layer] = {}
    for row in (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if not row.startswith("| `bot") or len(cells) < 3:
            continue
        may = EVERYTHING if cells[1] == "anything" else tuple(re.findall(r"`([^`]+)`", cells[1]))
        for pattern in re.findall(r"`([^`]+)`", cells[0]):
            documented[pattern] = Layer(may, tuple(re.findall(r"`([^`]+)`", cells[2])))
    return documented


def test_architecture_md_shows_the_same_rules() -> None:
    def as_sets(layer: Layer | None) -> tuple[set[str], set[str]] | None:
        return None if layer is None else (set(layer.may_import), set(layer.never_import))  # order is not a rule

    documented = documented_layers()
    differences = [
        f"{pattern}: test {LAYERS.get(pattern)} != ARCHITECTURE.md {documented.get(pattern)}"
        for pattern in sorted(set(LAYERS) | set(documented))
        if as_sets(LAYERS.get(pattern)) != as_sets(documented.get(pattern))
    ]
    assert not differences, report("rules that differ between this file and ARCHITECTURE.md", differences)


def test_few_modules_at_the_top_level(modules: dict[str, SourceModule]) -> None:
    top_level = sorted(m.relative_path for m in modules.values() if m.path.parent == REPO / "bot")
    assert len(top_level) <= MAX_TOP_LEVEL_MODULES, report(
        f"modules directly in bot/ (at most {MAX_TOP_LEVEL_MODULES}; move the rest into a subpackage)", top_level
    )


def test_no_import_cycles(modules: dict[str, SourceModule]) -> None:
    cycles = [" -> ".join(cycle) for cycle in import_cycles(import_graph(modules))]
    assert not cycles, report("import cycles (function-level imports count; TYPE_CHECKING ones do not)", cycles)


def test_every_module_has_a_layer(modules: dict[str, SourceModule]) -> None:
    orphans = [f"{m.relative_path} ({name})" for name, m in modules.items() if layer_of(name) is None]
    assert not orphans, report("modules no rule in LAYERS covers (add one here and in ARCHITECTURE.md)", orphans)


def test_layers_import_only_what_they_may(modules: dict[str, SourceModule]) -> None:
    offenders = []
    for name, module in sorted(modules.items()):
        rule = layer_of(name)
        if rule is None:
            continue  # reported by test_every_module_has_a_layer
        pattern, layer = rule
        for found in imports_of(module, modules):
            if found.top_level == "bot":
                if not any(matches(found.target, allowed) for allowed in layer.may_import):
                    offenders.append(f"{module.relative_path}:{found.line} {name} imports {found.target} ({pattern})")
            elif found.top_level in layer.never_import:
                offenders.append(f"{module.relative_path}:{found.line} {name} imports {found.target} ({pattern})")
    assert not offenders, report("imports across the layer rules", offenders)


def names_used(tree: ast.AST) -> set[str]:
    """Every name a tree refers to: plain names, attributes and imported names."""
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.ImportFrom):
            used.update(alias.name for alias in node.names)
    return used


def test_only_the_jobs_module_takes_the_runtime(modules: dict[str, SourceModule]) -> None:
    offenders = [
        m.relative_path
        for name, m in sorted(modules.items())
        if "current_runtime" in names_used(m.tree) and not any(matches(name, p) for p in RUNTIME_USERS)
    ]
    assert not offenders, report(
        "modules besides bot.flow.jobs that reach current_runtime (pass the Runtime in)", offenders
    )


def logger_names(tree: ast.AST) -> set[int]:
    """The ids of the string nodes given to getLogger, the one place a dotted bot name is expected."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Attribute | ast.Name):
            if getattr(node.func, "attr", getattr(node.func, "id", "")) == "getLogger":
                found.add(id(node.args[0]))
    return found


def dotted_strings(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of every string literal or f-string that names a path into bot ("bot.flow.jobs.x")."""
    skip = logger_names(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip.update(id(part) for part in node.values)
            first = node.values[0] if node.values else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and DOTTED_BOT_PATH.match(first.value):
                found.append((node.lineno, f'f"{first.value}{{...}}"'))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if DOTTED_BOT_PATH.fullmatch(node.value):
                found.append((node.lineno, repr(node.value)))
    return sorted(found)


def test_nothing_is_named_by_a_dotted_string(modules: dict[str, SourceModule]) -> None:
    offenders = [f"{m.relative_path}:{line} {text}" for m in modules.values() for line, text in dotted_strings(m.tree)]
    assert not offenders, report("dotted paths into bot in strings (refer to the function object)", offenders)


def test_no_long_files(modules: dict[str, SourceModule]) -> None:
    offenders = [f"{m.relative_path}: {m.line_count} lines" for m in modules.values() if m.line_count > MAX_FILE_LINES]
    assert not offenders, report(f"files over {MAX_FILE_LINES} lines", offenders)


def test_no_long_functions(modules: dict[str, SourceModule]) -> None:
    offenders = []
    for m in modules.values():
        for qualified_name, node, _ in definitions(m.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                # node.lineno is the `def` line (decorators excluded); end_lineno is its last line.
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    offenders.append(f"{m.relative_path}:{node.lineno} {qualified_name}(): {length} lines")
    assert not offenders, report(f"functions over {MAX_FUNCTION_LINES} lines", offenders)


def is_public(qualified_name: str) -> bool:
    """True unless the name, or a class it is defined in, starts with an underscore."""
    return not any(part.startswith("_") for part in qualified_name.split("."))


def test_public_code_has_docstrings(modules: dict[str, SourceModule]) -> None:
    offenders = [
        m.relative_path for m in modules.values() if not m.path.stem.startswith("_") and not ast.get_docstring(m.tree)
    ]
    for m in modules.values():
        for qualified_name, node, local in definitions(m.tree):
            # Functions defined inside functions are not reachable from outside: their names are not an API.
            if not local and is_public(qualified_name) and not ast.get_docstring(node):
                offenders.append(f"{m.relative_path}:{node.lineno} {qualified_name}")
    assert not offenders, report("public modules, classes and functions without a docstring", offenders)
