"""A workspace admin's spec template: checked before it is saved, and always rendered in a sandbox.

An admin's template is code the bot runs, so it gets Jinja's SandboxedEnvironment (no attribute walks
to `__class__`, `__globals__` and the like), no loader beyond itself (no includes of server files),
arithmetic, formats, str methods and filters that cannot build huge strings or numbers (bot.spec.template_bounds),
and a bound on render time and output size (the deadline is checked from a trace function, so even a loop that
writes nothing is stopped). Every render runs in a limited child process (bot.spec.isolation).
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import lru_cache
from types import FrameType
from typing import Any, cast

from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateError, TemplateNotFound, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import Namespace

from bot.spec import template_bounds as bounds
from bot.spec.document import TechnicalSpecDraft
from bot.spec.isolation import IsolatedProblem, preload, run_isolated, warm
from bot.spec.render import FILTERS, TEMPLATE_NAME, Clarification, Quote, RenderContext
from bot.spec.samples import sample_spec

RENDER_SECONDS = 1.0
MAX_OUTPUT_CHARS = bounds.MAX_OUTPUT_CHARS
# The child process rendering an admin's template is killed after this (bot.spec.isolation).
WALL_SECONDS = RENDER_SECONDS + 0.5
MAX_RANGE = 10_000
SHOWN_NAME = "your template"
preload(__name__)


class TemplateProblem(ValueError):
    """Why a template was refused, in words for the admin (with its line when known)."""


class _Stopped(BaseException):
    """Raised inside a render that ran too long: a BaseException, so no `except Exception` swallows it."""


class _OneTemplate(BaseLoader):
    """Serves the admin's template under the spec template's name, and nothing else."""

    def __init__(self, source: str) -> None:
        self.text = source

    def get_source(self, environment: Environment, template: str) -> tuple[str, str | None, Callable[[], bool]]:
        """The admin's source for the spec template's name; TemplateNotFound for any other."""
        if template != TEMPLATE_NAME:
            raise TemplateNotFound(template)
        return self.text, SHOWN_NAME, lambda: True


def _bounded_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise TemplateProblem(f"range() is limited to {MAX_RANGE:,} items")
    return result


class WorkspaceDocuments(SandboxedEnvironment):
    """The sandboxed environment an admin's spec template renders in."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """`*`, `**`, `+` and `%` without building huge values (the sandbox calls this for these operators)."""
        if operator == "**":
            return bounds.power(left, right)
        if operator == "+":
            return bounds.small(left + right)
        if operator == "%":
            return bounds.percent_format(left, right) if isinstance(left, str) else bounds.small(left % right)
        return bounds.times(left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's
        """A call from the template, once a str method is known not to build a huge string."""
        bounds.check_method(__obj, args, kwargs)
        return bounds.small(super().call(__context, __obj, *args, **kwargs))

    def concat(self, parts: Iterable[str]) -> str:
        """Join the render's output, stopping it past the size bound or the deadline."""
        return bounded_join(parts, time.monotonic() + RENDER_SECONDS)


class _BoundedNamespace(Namespace):
    """namespace() whose attributes cannot grow past the output bound (a loop doubling a string would)."""

    def __setitem__(self, name: str, value: Any) -> None:
        super().__setitem__(name, bounds.small(value))


def bounded_join(parts: Iterable[str], deadline: float) -> str:
    """The joined parts; TemplateProblem when they grow past MAX_OUTPUT_CHARS or run past deadline."""
    out: list[str] = []
    size = 0
    steps = 0

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal steps
        steps += 1
        if steps % 2000 == 0 and time.monotonic() > deadline:
            raise _Stopped
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        for part in parts:
            size += len(part)
            if size > MAX_OUTPUT_CHARS:
                raise TemplateProblem(f"the document would be longer than {MAX_OUTPUT_CHARS:,} characters")
            out.append(part)
    except _Stopped:
        raise TemplateProblem(f"rendering took longer than {RENDER_SECONDS:g} seconds") from None
    finally:
        sys.settrace(previous)
    return "".join(out)


@lru_cache(maxsize=32)
def workspace_environment(source: str) -> Environment:
    """The sandboxed environment serving source as the spec template (compiled once per process)."""
    env = WorkspaceDocuments(
        loader=_OneTemplate(source),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    env.filters.update(bounds.bounded_filters(env.filters))
    env.globals["lipsum"] = bounds.bounded(
        cast(Callable[..., Any], env.globals["lipsum"]), bounds.LIPSUM_LIMITS, "lipsum"
    )
    env.globals["range"] = _bounded_range
    env.globals["namespace"] = _BoundedNamespace
    return env


def sample_context() -> RenderContext:
    """A context like the one a real spec renders with (every optional part present)."""
    quote = Quote(text="We agreed on CSV first.", author="Ana", link="https://example.slack.com/archives/C1/p1")
    return RenderContext(
        version=2,
        generated_at=datetime(2026, 1, 1, tzinfo=UTC),
        channel_name="design",
        thread_url="https://example.slack.com/archives/C1/p1",
        source_links={"M1": "https://example.slack.com/archives/C1/p1", "Q1": "https://example.slack.com/x"},
        clarifications=[Clarification(number=1, area="Scope", question="Which formats?", answer="CSV", quotes=[quote])],
        other_input=[quote],
        condensed_history=True,
        redacted_count=1,
    )


def start_isolation() -> None:
    """Start the process admins' templates render from (a web worker calls this once it is up)."""
    warm()


def check_template(data: bytes, max_bytes: int) -> str:
    """The template's text if it is safe to save; TemplateProblem saying what is wrong (and where) if not.

    The sample render runs in a limited child process (bot.spec.isolation), so a hostile template costs
    the web process at most WALL_SECONDS of waiting and never its memory or CPU.
    """
    if len(data) > max_bytes:
        raise TemplateProblem(f"the file is {len(data):,} bytes; the most allowed is {max_bytes:,}")
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TemplateProblem(f"the file is not UTF-8 text (byte {exc.start})") from None
    if not source.strip():
        raise TemplateProblem("the file is empty")
    text = _isolated(_render_checked, (source, sample_spec(), sample_context()))
    if not text.strip():
        raise TemplateProblem("the template renders an empty document")
    return source


def render_workspace(source: str, spec: TechnicalSpecDraft, context: RenderContext) -> str:
    """The document from an admin's template, rendered in a limited child; TemplateProblem if it fails."""
    return str(_isolated(_render_checked, (source, spec, context))).rstrip("\n") + "\n"


def _isolated(function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    try:
        return run_isolated(function, args, seconds=WALL_SECONDS)
    except IsolatedProblem as exc:
        raise TemplateProblem(str(exc)) from None


def _render_checked(source: str, spec: TechnicalSpecDraft, context: RenderContext) -> str:
    """source rendered (in the child); TemplateProblem saying what is wrong (and where) if it fails."""
    env = workspace_environment(source)
    try:
        return env.get_template(TEMPLATE_NAME).render(spec=spec, ctx=context)
    except TemplateProblem as exc:
        raise TemplateProblem(_where(exc) + str(exc)) from None
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"line {exc.lineno}: {exc.message}") from None
    except TemplateNotFound as exc:
        raise TemplateProblem(_where(exc) + f"it includes {exc.name!r}: a template must be one file") from None
    except (TemplateError, ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as exc:
        raise TemplateProblem(_where(exc) + _message(exc)) from None


def _message(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "it calls itself too deeply"
    return str(exc) or type(exc).__name__


def _where(exc: BaseException) -> str:
    """'line N: ' for the template's line the error happened on (Jinja puts it in the traceback)."""
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == SHOWN_NAME]
    return f"line {lines[-1]}: " if lines else ""
