"""Prompt templates: Jinja2 files under prompts/ (or an override directory), StrictUndefined."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined


class PromptLibrary:
    """Renders prompt templates by name; an override directory's files win over the defaults."""

    def __init__(self, default_dir: Path, override_dir: Path | None = None) -> None:
        search_path = [str(override_dir)] if override_dir else []
        search_path.append(str(default_dir))
        # Built once per process (Jinja caches compiled templates); StrictUndefined turns a typo
        # in a template variable into an error instead of a silently empty prompt.
        self.env = Environment(
            loader=FileSystemLoader(search_path),
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, name: str, **variables: Any) -> str:
        """Render prompts/<name>.md.j2 with the given variables."""
        return self.env.get_template(f"{name}.md.j2").render(**variables)

    def source(self, name: str) -> str:
        """The unrendered text of prompts/<name>.md.j2 (an upper bound of its fixed words, for budgets)."""
        source, _filename, _uptodate = self.env.loader.get_source(self.env, f"{name}.md.j2")  # type: ignore[union-attr]
        return source

    def macros(self, name: str) -> Any:
        """The macros (and top-level `set` values) of prompts/<name>.md.j2, as attributes of one object.

        Fetch it once per batch of calls: Jinja builds the module once per template, but every
        get_template checks whether the file changed.
        """
        return self.env.get_template(f"{name}.md.j2").module
