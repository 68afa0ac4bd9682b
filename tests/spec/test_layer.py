"""The pure layers stay pure and small: bot/spec and bot/llm's port import no Slack, Redis, RQ or OpenAI code,
and no file there is over 300 lines nor any function over 40."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
PURE = sorted(
    [
        *(BOT / "spec").rglob("*.py"),
        *(BOT / "llm" / path for path in ("port.py", "prompts.py", "tokens.py", "capabilities.py")),
    ]
)
FORBIDDEN = ("openai", "slack_sdk", "slack_bolt", "redis", "rq")
ALLOWED_OWN = ("bot.spec", "bot.errors", "bot.llm.port", "bot.llm.prompts", "bot.llm.tokens", "bot.llm.capabilities")


def imported(path: Path) -> set[str]:
    """Every module a file imports, at any level (function-level imports count)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", PURE, ids=[str(p.relative_to(BOT)) for p in PURE])
def test_pure_module_imports(path: Path) -> None:
    names = imported(path)
    assert not [n for n in names if n.split(".")[0] in FORBIDDEN]
    own = [n for n in names if n == "bot" or n.startswith("bot.")]
    assert all(any(n == allowed or n.startswith(f"{allowed}.") for allowed in ALLOWED_OWN) for n in own), own


@pytest.mark.parametrize("path", [*PURE, BOT / "llm" / "client.py"], ids=lambda p: str(p.relative_to(BOT)))
def test_sizes(path: Path) -> None:
    text = path.read_text()
    assert len(text.splitlines()) <= 300
    functions = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    too_long = {f.name: (f.end_lineno or 0) - f.lineno + 1 for f in functions if (f.end_lineno or 0) - f.lineno >= 40}
    assert too_long == {}
