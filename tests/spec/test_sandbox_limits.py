"""Templates that build huge values in one C-level step are refused quickly, and whatever gets past the
sandbox's bounds is stopped by the child process's memory and time limits, never the caller's."""

from __future__ import annotations

import threading
import time

import pytest

from bot.spec.isolation import IsolatedProblem, run_isolated
from bot.spec.samples import sample_spec
from bot.spec.sandbox import TemplateProblem, check_template, render_workspace, sample_context

LIMIT = 64_000
SLACK_SECONDS = 3.0


def refused_quickly(source: str) -> str:
    started = time.monotonic()
    with pytest.raises(TemplateProblem) as caught:
        check_template(source.encode(), LIMIT)
    assert time.monotonic() - started < SLACK_SECONDS
    return str(caught.value)


@pytest.mark.parametrize(
    ("source", "said"),
    [
        ("{% set ns = namespace(x=10**99) %}{% for i in range(18) %}{% set ns.x = ns.x * ns.x %}{% endfor %}x", "bits"),
        ('{{ "a".ljust(400000000)|length }}', "widths"),
        ('{{ "a".zfill(400000000) }}', "widths"),
        ('{{ "%050000000d" % 1 }}', "widths in formats"),
        ('{{ "%*d" % (400000000, 1) }}', "widths in formats"),
        ('{{ "%050000000d"|format(1) }}', "widths in formats"),
        ('{{ "{:>400000000}".format(1) }}', "widths in formats"),
        ('{{ "a"|center(400000000) }}', "center: width"),
        ('{{ "a\nb"|indent(400000000) }}', "indent: width"),
        ('{{ "a b"|wordwrap(400000000) }}', "wordwrap: width"),
        ('{{ "a"|truncate(400000000000) }}', "truncate: length"),
        ("{{ lipsum(100000000) }}", "lipsum: n"),
        ('{{ "\t".expandtabs(400000000) }}', "tabs"),
        ('{{ ("a" * 1000000).replace("", "bbbbbbbb") }}', "longer than"),
        ('{% set s = "a" * 1000000 %}{{ ([s] * 1000)|join }}', "longer than"),
    ],
)
def test_one_step_giants_are_refused_in_time(source: str, said: str) -> None:
    assert said in refused_quickly(source)


def test_what_gets_past_the_bounds_meets_the_childs_memory_limit() -> None:
    message = refused_quickly('{% set s = "a" * 1000000 %}{{ ([s] * 1000)|map("upper")|list|length }}')
    assert "memory" in message


def test_the_child_is_killed_at_its_wall_clock_deadline() -> None:
    started = time.monotonic()
    with pytest.raises(IsolatedProblem, match="longer than"):
        run_isolated(time.sleep, (30,), seconds=0.5)
    assert time.monotonic() - started < 2


def test_an_admins_template_renders_a_spec_in_the_child() -> None:
    text = render_workspace(
        "# {{ spec.title }}\n{{ '%5s|' % 'x' }}{{ 'y'.ljust(3) }}|", sample_spec(), sample_context()
    )
    assert text.startswith(f"# {sample_spec().title}\n    x|y  |") and text.endswith("\n")
    with pytest.raises(TemplateProblem, match="line 2"):
        render_workspace("fine\n{{ nothing.here }}", sample_spec(), sample_context())


def test_a_hostile_check_does_not_stall_the_callers_other_threads() -> None:
    source = '{% set s = "a" * 1000000 %}{{ ([s] * 1000)|map("upper")|list|length }}'
    checking = threading.Thread(target=lambda: refused_quickly(source) and None)
    checking.start()
    steps, started = 0, time.monotonic()
    while checking.is_alive():
        steps += 1  # the caller's other work goes on while the child renders
        checking.join(0.001)
    assert steps > 5 and time.monotonic() - started < SLACK_SECONDS
