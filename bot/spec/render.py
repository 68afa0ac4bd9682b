"""Render a TechnicalSpecDraft to TECHNICAL_SPEC.md through a Jinja2 template.

The template owns the document's shape; this module owns the context that is not in the
spec model and the filters that keep model-written text from breaking that shape.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from pydantic import BaseModel, ConfigDict, Field

from bot.spec.document import TechnicalSpecDraft, TypedField

TEMPLATE_NAME = "TECHNICAL_SPEC.md.j2"
DEFAULT_TEMPLATE_DIR = Path(__file__).parent / "templates"

# CommonMark block syntax that model text must not trigger on its own: fences (tracked so an
# unclosed one is closed), ATX headings, setext underlines and HTML blocks that only end at a
# closing marker (an unclosed "<!--" would hide the rest of the document).
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}(?=[^`]*$)|~{3,})")
_FENCE_LINE = re.compile(r"^(`{3,}|~{3,})\s*$")
_ATX = re.compile(r"^( {0,3})(#{1,6}(?:[ \t]|$))")
_SETEXT = re.compile(r"^( {0,3})(=+|-+)[ \t]*$")
_HTML_BLOCK = re.compile(r"^( {0,3})<(?=script|pre|style|textarea|!|\?)", re.IGNORECASE)
_MERMAID_START = re.compile(r"^(graph|flowchart|sequenceDiagram)\b")


class Quote(BaseModel):
    """One person's reply, in their own words, with a link to it in the thread."""

    model_config = ConfigDict(extra="forbid")

    text: str
    author: str
    link: str | None = None


class Clarification(BaseModel):
    """A clarifying question asked in the thread and its answer, if any."""

    model_config = ConfigDict(extra="forbid")

    number: int = Field(ge=1)
    area: str
    question: str
    answer: str | None = None
    answered_by: str | None = None
    quotes: list[Quote] = Field(default_factory=list)  # each reply answering it, oldest first


class RenderContext(BaseModel):
    """What the document needs that is not part of the model's spec."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(default=1, ge=1)
    generated_at: datetime
    channel_name: str
    thread_url: str | None = None
    source_links: dict[str, str] = Field(default_factory=dict)
    clarifications: list[Clarification] = Field(default_factory=list)
    other_input: list[Quote] = Field(default_factory=list)  # replies after the questions that answer none
    condensed_history: bool = False
    redacted_count: int = Field(default=0, ge=0)


def _normalise(value: str) -> str:
    """Unify line endings and trim surrounding blank space."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def inline(value: str) -> str:
    """Collapse all whitespace so the value stays on one line (headings, labels, code lines)."""
    return " ".join(str(value).split())


def _neutralise(line: str, after_text: bool) -> str:
    """Backslash-escape a line that would otherwise start a heading or an HTML block."""
    line = _ATX.sub(r"\1\\\2", line, count=1)
    line = _HTML_BLOCK.sub(r"\1&lt;", line, count=1)
    if after_text:
        # "---" or "===" under a text line would turn that line into a heading.
        line = _SETEXT.sub(r"\1\\\2", line, count=1)
    return line


def md_block(value: str, indent: int = 0, prefixed: bool = False) -> str:
    """Markdown text kept as-is except structure-breaking lines; continuation lines indented.

    prefixed: the value follows other text on its first line ("- FR-1: "), where a fence
    cannot open, so a leading fence is moved to its own line instead.
    """
    out: list[str] = []
    fence: str | None = None
    prev_text = False
    for line in _normalise(value).split("\n") if value else []:
        if fence is not None:
            out.append(line)
            stripped = line.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = None
            continue
        opener = _FENCE_OPEN.match(line)
        if opener:
            fence = opener.group(1)
            out.append(line)
        else:
            out.append(_neutralise(line, prev_text))
        prev_text = bool(line.strip())
    if fence is not None:
        out.append(fence)  # close what the value opened so it cannot swallow later sections
    if prefixed and out and _FENCE_OPEN.match(out[0]):
        out.insert(0, "")
    pad = " " * indent
    return "\n".join(out[:1] + [pad + line if line.strip() else "" for line in out[1:]])


def _link_target(url: str) -> str:
    """Percent-encode the characters that would end a Markdown link destination early."""
    table = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "\n": ""}
    return "".join(table.get(ch, ch) for ch in url.strip())


@pass_context
def cite(ctx: Context, sources: list[str]) -> str:
    """' ([M3](url), A2)' for an item's sources, or ' _(assumption)_' when it has none."""
    links: dict[str, str] = ctx["ctx"].source_links
    ids = list(dict.fromkeys(s.strip() for s in sources if s.strip()))
    if not ids:
        return " _(assumption)_"
    parts = [f"[{sid}]({_link_target(links[sid])})" if links.get(sid) else sid for sid in ids]
    return " (" + ", ".join(parts) + ")"


@pass_context
def cited(ctx: Context, text: str, sources: list[str], indent: int = 0) -> str:
    """Markdown text followed by its citations, on their own line if the text ends in a fence."""
    body = md_block(text, indent, prefixed=True)
    note = cite(ctx, sources)
    if not body:
        return note.strip()
    if _FENCE_LINE.match(body.rsplit("\n", 1)[-1].strip()):
        # Text after a closing fence on the same line would stop it being a closing fence.
        return f"{body}\n{' ' * indent}{note.strip()}"
    return body + note


def cell(value: str) -> str:
    """Table cell: escape pipes (and backslashes before them) and turn newlines into <br>."""
    text = re.sub(r"(\\*)\|", lambda m: m.group(1) * 2 + "\\|", _normalise(str(value)))
    return "<br>".join(line.strip() for line in text.split("\n"))


def fence(body: str, lang: str = "") -> str:
    """Wrap a block in a backtick fence longer than any backtick run inside it."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text}\n{ticks}\n"


def code_span(value: str) -> str:
    """Inline code span that survives backticks inside the value."""
    text = inline(value)
    if not text:
        return ""
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def json_str(value: str) -> str:
    """One-line JSON string literal, used for the API contract's pseudo-JSON bodies."""
    return json.dumps(inline(value), ensure_ascii=False)


def field_doc(field: TypedField) -> str:
    """'type - description' as the template writes a field, or just the type."""
    return f"{field.type} - {field.description}" if field.description else field.type


def diagram_lang(diagram: str) -> str:
    """'mermaid' for Mermaid diagrams, '' for anything else (ASCII art)."""
    return "mermaid" if _MERMAID_START.match(diagram.strip()) else ""


def utc_stamp(moment: datetime) -> str:
    """'2025-03-04 10:15 UTC'; naive datetimes are taken to be UTC already."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def channel(name: str) -> str:
    """'#name' whether or not the caller included the '#'."""
    return "#" + inline(name).lstrip("#")


def quote_source(quote: Quote) -> str:
    """'Ana, [reply](link)': who said it and where (the name alone when there is no link)."""
    author = inline(quote.author).replace("[", "\\[").replace("]", "\\]") or "someone"
    return f"{author}, [reply]({_link_target(quote.link)})" if quote.link else author


FILTERS: dict[str, Any] = {
    "inline": inline,
    "quote_source": quote_source,
    "md": md_block,
    "cite": cite,
    "cited": cited,
    "cell": cell,
    "fence": fence,
    "code": code_span,
    "json_str": json_str,
    "field_doc": field_doc,
    "diagram_lang": diagram_lang,
    "utc": utc_stamp,
    "channel": channel,
    "link_target": _link_target,
}


def make_document_environment(override_dir: Path | None) -> Environment:
    """Jinja2 environment that looks in override_dir first, then the bundled templates."""
    search: list[str] = []
    if override_dir is not None:
        if not override_dir.is_dir():
            # A mistyped setting would otherwise fall back to the default without a word.
            raise ValueError(f"template override directory does not exist: {override_dir}")
        search.append(str(override_dir))
    search.append(str(DEFAULT_TEMPLATE_DIR))
    env = Environment(
        loader=FileSystemLoader(search),
        undefined=StrictUndefined,
        autoescape=False,  # Markdown for people, not HTML; the filters handle structure.
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


@lru_cache(maxsize=1)
def _default_environment() -> Environment:
    """Shared environment for the bundled template."""
    return make_document_environment(None)


def render_spec(spec: TechnicalSpecDraft, context: RenderContext, environment: Environment | None = None) -> str:
    """Render the spec as TECHNICAL_SPEC.md; pass an environment to use an override template."""
    env = environment if environment is not None else _default_environment()
    text = env.get_template(TEMPLATE_NAME).render(spec=spec, ctx=context)
    return text.rstrip("\n") + "\n"
