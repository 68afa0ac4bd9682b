"""A filled-in spec to check a template against: every field present, every list with one item.

Built from the spec model itself, so a field added to TechnicalSpecDraft is in the sample too, and a
template that uses it is checked with it.
"""

from __future__ import annotations

import types
from functools import lru_cache
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from bot.spec.document import TechnicalSpecDraft


def _sample(annotation: Any, name: str) -> Any:
    """One value of the annotated type (the first choice of a Literal, the non-None side of an Optional)."""
    origin = get_origin(annotation)
    if origin is Literal:
        return get_args(annotation)[0]
    if origin in (Union, types.UnionType):
        choices = [arg for arg in get_args(annotation) if arg is not type(None)]
        return _sample(choices[0], name)
    if origin is list:
        return [_sample(get_args(annotation)[0], name)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {field: _sample(info.annotation, field) for field, info in annotation.model_fields.items()}
    if annotation is bool:
        return True
    if annotation is int:
        return 1
    if name == "sources":
        return "M1"
    if name == "diagram":
        return "flowchart LR\n  A --> B"
    return f"Example {name.replace('_', ' ')}"


@lru_cache(maxsize=1)
def sample_spec() -> TechnicalSpecDraft:
    """The sample spec (built once)."""
    return TechnicalSpecDraft.model_validate(_sample(TechnicalSpecDraft, "spec"))
