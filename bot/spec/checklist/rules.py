"""The checklist's rules: the template's quality checklist as precise checks on the spec model, in order.

Each rule returns the problems it finds, each naming the spec field the model must rewrite to fix
it. The rules are English-worded where words matter (vague words, placeholders); numbers with units
and citations work in any language. Titles and problem sentences are in prompts/checklist_problems.md.j2.
"""

from __future__ import annotations

from bot.spec.checklist.base import Check
from bot.spec.checklist.citations import ambiguity, open_questions, traceability
from bot.spec.checklist.sections import (
    error_handling,
    functional,
    non_functional,
    overview,
    risks,
    system_context,
    testing,
)
from bot.spec.checklist.structures import api_contracts, data_model

# The seed template's checklist, in its order, with the two additions (requirements, open
# questions) and traceability. `fields`: the check applies when the template renders any of them.
CHECKS: tuple[Check, ...] = (
    Check("overview", ("overview",), overview),
    Check("system_context", ("system_context",), system_context),
    Check("functional_requirements", ("functional_requirements",), functional),
    Check("api_contracts", ("api_contracts",), api_contracts),
    Check("data_model", ("data_model",), data_model),
    Check("non_functional", ("non_functional",), non_functional),
    Check("error_handling", ("error_handling",), error_handling),
    Check("testing", ("testing",), testing),
    Check("risks", ("risks",), risks),
    Check("open_questions", ("open_questions",), open_questions),
    Check(
        "traceability",
        ("functional_requirements", "architecture", "risks", "open_questions"),
        traceability,
    ),
    Check("no_ambiguity", ("component_changes",), ambiguity),
)
