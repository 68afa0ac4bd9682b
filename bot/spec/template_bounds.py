"""Bounds inside the template sandbox on operations that build a huge value in one C-level step.

One big-int multiply, `"a".ljust(400000000)` or `"%050000000d" % 1` never returns to the tracer that
enforces the render's deadline, so these are refused before they run: integers past MAX_INT_BITS, widths
and counts past MAX_WIDTH (in str methods, `%` and `{}` formats, and the filters taking a width), and
results longer than MAX_OUTPUT_CHARS. The child process's limits (bot.spec.isolation) catch the rest.
"""

from __future__ import annotations

import functools
import inspect
import re
import string
from collections.abc import Callable, Mapping
from typing import Any

MAX_OUTPUT_CHARS = 1_000_000
MAX_WIDTH = 10_000
MAX_INT_BITS = 10_000
# Named parameters of Jinja's filters (and lipsum) and the most each may be: an int, or a string's length.
FILTER_LIMITS: dict[str, dict[str, int]] = {
    "center": {"width": MAX_WIDTH},
    "indent": {"width": MAX_WIDTH},
    "wordwrap": {"width": MAX_WIDTH, "wrapstring": 100},
    "truncate": {"length": MAX_OUTPUT_CHARS, "end": 100, "leeway": MAX_WIDTH},
    "batch": {"linecount": MAX_WIDTH},
    "slice": {"slices": MAX_WIDTH},
}
LIPSUM_LIMITS = {"n": 20, "min": 200, "max": 200}
WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill"})
PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


class Unbounded(ValueError):
    """An operation the sandbox refuses because of the size it would build."""


def small(value: Any) -> Any:
    """value, unless it is text or a list longer than any document may be, or a huge integer."""
    if isinstance(value, str | list | tuple) and len(value) > MAX_OUTPUT_CHARS:
        raise Unbounded(f"a value grew past {MAX_OUTPUT_CHARS:,} characters or items")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise Unbounded(f"numbers are limited to {MAX_INT_BITS:,} bits")
    return value


def power(left: Any, right: Any) -> Any:
    """left ** right, unless the result would be huge."""
    if isinstance(right, int | float) and abs(right) > 100:
        raise Unbounded("exponents above 100 are not allowed")
    if isinstance(left, int) and isinstance(right, int) and left.bit_length() * max(right, 0) > MAX_INT_BITS:
        raise Unbounded(f"numbers are limited to {MAX_INT_BITS:,} bits")
    return left**right


def times(left: Any, right: Any) -> Any:
    """left * right, unless the result would be huge (repeated text or lists, or a huge integer)."""
    if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise Unbounded(f"numbers are limited to {MAX_INT_BITS:,} bits")
    if isinstance(left, int) and isinstance(right, str | list | tuple):
        left, right = right, left
    if isinstance(left, str | list | tuple) and isinstance(right, int) and len(left) * right > MAX_OUTPUT_CHARS:
        raise Unbounded("repeating text or lists that many times is not allowed")
    return left * right


def percent_format(template: str, values: Any) -> str:
    """template % values, unless a width or precision in it is past MAX_WIDTH (or given by `*`)."""
    for width, precision in PERCENT_SPEC.findall(template):
        for number in (width, precision):
            if number == "*" or (number and int(number) > MAX_WIDTH):
                raise Unbounded(f"widths in formats are limited to {MAX_WIDTH:,}")
    return str(small(template % values))


def check_brace_format(template: str) -> None:
    """Unbounded when a `{}` format's spec has a width past MAX_WIDTH or a nested field."""
    for _literal, _field, spec, _conversion in string.Formatter().parse(template):
        if spec and ("{" in spec or any(int(n) > MAX_WIDTH for n in re.findall(r"\d+", spec))):
            raise Unbounded(f"widths in formats are limited to {MAX_WIDTH:,}")


def check_method(method: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Unbounded when a str method called from a template would build a huge string."""
    method = getattr(method, "__wrapped__", method)  # the sandbox wraps str.format to format safely
    owner, name = getattr(method, "__self__", None), getattr(method, "__name__", "")
    if not isinstance(owner, str):
        return
    numbers = [a for a in [*args, *kwargs.values()] if isinstance(a, int)]
    if name in WIDTH_METHODS and any(n > MAX_WIDTH for n in numbers):
        raise Unbounded(f"widths are limited to {MAX_WIDTH:,}")
    if name == "expandtabs" and owner.count("\t") * max(numbers or [8]) > MAX_OUTPUT_CHARS:
        raise Unbounded("expanding that many tabs is not allowed")
    if name in ("format", "format_map"):
        check_brace_format(owner)
    if name == "replace" and len(args) >= 2:
        check_replace(owner, str(args[0]), str(args[1]))
    if name == "join" and args and isinstance(args[0], list | tuple):
        check_join(owner, args[0])


def check_join(separator: str, items: list[Any] | tuple[Any, ...]) -> None:
    """Unbounded when joining items would give more than MAX_OUTPUT_CHARS characters."""
    if sum(len(i) if isinstance(i, str) else 20 for i in items) + len(separator) * len(items) > MAX_OUTPUT_CHARS:
        raise Unbounded(f"the text would be longer than {MAX_OUTPUT_CHARS:,} characters")


def check_replace(text: str, old: str, new: str) -> None:
    """Unbounded when text.replace(old, new) would be longer than MAX_OUTPUT_CHARS."""
    count = text.count(old) if old else len(text) + 1
    if len(text) + count * (len(new) - len(old)) > MAX_OUTPUT_CHARS:
        raise Unbounded(f"the text would be longer than {MAX_OUTPUT_CHARS:,} characters")


def bounded(function: Callable[..., Any], limits: Mapping[str, int], shown: str) -> Callable[..., Any]:
    """function (a Jinja filter or global), refusing arguments past limits; Jinja's pass_* marks are kept."""
    signature = inspect.signature(function)

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        for name, most in limits.items():
            value = bound.arguments.get(name)
            size = len(value) if isinstance(value, str) else value if isinstance(value, int) else 0
            if size > most:
                raise Unbounded(f"{shown}: {name} is limited to {most:,}")
        return small(function(*args, **kwargs))

    return wrapper


def bounded_filters(filters: Mapping[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """The filters that take a width or count, bounded; `format` and `replace` checked like `%` and replace."""
    chosen = {name: bounded(filters[name], limits, name) for name, limits in FILTER_LIMITS.items() if name in filters}

    def format_filter(value: str, *args: Any, **kwargs: Any) -> str:
        if args and kwargs:
            raise Unbounded("format takes positional or keyword arguments, not both")
        return percent_format(str(value), kwargs or args)

    chosen["format"] = format_filter
    original_replace = filters["replace"]

    @functools.wraps(original_replace)
    def replace_filter(eval_ctx: Any, s: Any, old: Any, new: Any, count: int | None = None) -> Any:
        check_replace(str(s), str(old), str(new))
        return original_replace(eval_ctx, s, old, new, count)

    chosen["replace"] = replace_filter
    original_join = filters["join"]

    @functools.wraps(original_join)
    def join_filter(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> Any:
        items = list(value) if attribute is None else value
        if attribute is None:
            check_join(str(d), items)
        return small(original_join(eval_ctx, items, d, attribute))

    chosen["join"] = join_filter
    return chosen
