"""What one model call used, from the response's `usage` block or, where a server reports none, estimated."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel


class Usage(BaseModel):
    """Tokens one call used (compatible servers may omit the details: None counts as 0)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0


def usage_of(response: Any, messages: Sequence[Mapping[str, str]]) -> Usage:
    """The call's usage; estimated at 4 characters a token when the server reports none, so a workspace's
    budget and the cost metric still bound what it spends."""
    usage = getattr(response, "usage", None)
    if usage is None:
        content = response.choices[0].message.content or ""
        prompt = sum(len(str(m.get("content") or "")) for m in messages)
        return Usage(prompt_tokens=prompt // 4 + 1, completion_tokens=len(content) // 4 + 1)
    details = getattr(usage, "prompt_tokens_details", None)
    return Usage(
        prompt_tokens=usage.prompt_tokens or 0,
        completion_tokens=usage.completion_tokens or 0,
        cached_tokens=(getattr(details, "cached_tokens", None) or 0) if details else 0,
    )
