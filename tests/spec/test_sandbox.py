"""An admin's spec template: hostile or broken ones are refused (with their line), good ones render."""

from __future__ import annotations

import time

import pytest

from bot.spec.render import DEFAULT_TEMPLATE_DIR, TEMPLATE_NAME, render_spec
from bot.spec.samples import sample_spec
from bot.spec.sandbox import TemplateProblem, check_template, sample_context, workspace_environment

LIMIT = 64_000


def refused(source: str) -> str:
    with pytest.raises(TemplateProblem) as caught:
        check_template(source.encode(), LIMIT)
    return str(caught.value)


def test_the_bundled_template_passes_and_renders_like_the_default() -> None:
    source = (DEFAULT_TEMPLATE_DIR / TEMPLATE_NAME).read_text()
    assert check_template(source.encode(), LIMIT) == source
    sandboxed = render_spec(sample_spec(), sample_context(), workspace_environment(source))
    assert sandboxed == render_spec(sample_spec(), sample_context())


def test_a_small_template_renders_the_spec() -> None:
    source = "# {{ spec.title }}\n\nChannel: {{ ctx.channel_name }}\n"
    check_template(source.encode(), LIMIT)
    text = render_spec(sample_spec(), sample_context(), workspace_environment(source))
    assert text.startswith("# Example title")


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ spec.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ ctx.__dict__ }}",
        "{{ lipsum.__globals__ }}",
    ],
)
def test_attribute_walks_out_of_the_sandbox_are_refused(source: str) -> None:
    assert "unsafe" in refused(source) or "undefined" in refused(source)


def test_missing_variables_name_their_line() -> None:
    assert refused("# Title\n\n{{ spec.no_such_field }}\n").startswith("line 3:")
    assert refused("ok\n{{ nope }}").startswith("line 2:")


def test_syntax_errors_name_their_line() -> None:
    assert refused("fine\nfine\n{% for x in %}\n").startswith("line 3:")


def test_endless_loops_are_stopped_in_time() -> None:
    started = time.monotonic()
    message = refused("{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}x")
    assert "took longer" in message
    assert time.monotonic() - started < 3


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'a' * 100000000 }}",
        "{{ range(10000000) | list }}",
        "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
        "{% set ns = namespace(s=[1]) %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}x",
        "{{ 2 ** 100000 }}",
        "{% for i in range(9000) %}{{ spec.overview * 200 }}{% endfor %}",
    ],
)
def test_huge_output_is_refused(source: str) -> None:
    refused(source)


def test_recursion_includes_and_files_are_refused() -> None:
    assert "too deeply" in refused("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(1) }}")
    assert "one file" in refused("{% include '/etc/passwd' %}")
    assert "one file" in refused("{% extends 'TECHNICAL_SPEC.md.j2.bak' %}")


def test_bytes_that_are_not_a_template() -> None:
    with pytest.raises(TemplateProblem, match="UTF-8"):
        check_template(b"\xff\xfe{{ spec.title }}", LIMIT)
    with pytest.raises(TemplateProblem, match="bytes"):
        check_template(b"x" * (LIMIT + 1), LIMIT)
    with pytest.raises(TemplateProblem, match="empty"):
        check_template(b"   \n", LIMIT)
