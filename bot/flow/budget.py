"""The prompt budget for a thread: the setting, or less when the model's context window is smaller.

The whole prompt is counted: system prompt, the largest template, the schema where it is pasted
(json_object and text modes), and room for the answer; the thread and the answers get what is left,
and build_discussion condenses the thread to fit, as it does for long threads.
"""

from __future__ import annotations

import logging

from bot.config import Settings
from bot.llm.client import PROMPT_MARGIN, ModelClient
from bot.llm.port import PromptedModel
from bot.llm.tokens import token_counter
from bot.spec.document import TechnicalSpecDraft
from bot.spec.schemas import ClarifyResult
from bot.wiring import Runtime

log = logging.getLogger(__name__)
# Below this the thread cannot be condensed usefully; the model call then says the thread is too long.
MIN_THREAD_BUDGET = 1_000


def prompt_budget(rt: Runtime) -> int:
    """Tokens for the thread and answers in the largest prompt (write), within the context window."""
    return fitted_budget(rt.settings, rt.model, rt.llm)


def fitted_budget(settings: Settings, model: ModelClient, llm: PromptedModel) -> int:
    """The prompt budget setting, lowered to what the model's context window leaves (the eval uses it too)."""
    budget = settings.prompt_token_budget()
    window = model.capability().context_window
    if window is None:
        return budget
    count = token_counter(settings.openai_model).count
    fixed = max(llm.fixed_tokens(TechnicalSpecDraft, "write", count), llm.fixed_tokens(ClarifyResult, "clarify", count))
    output = min(TechnicalSpecDraft.output_tokens, settings.techspec_max_output_tokens, window // 4)
    fitted = max(MIN_THREAD_BUDGET, min(budget, int(window / PROMPT_MARGIN) - fixed - output))
    if fitted < budget:
        log.info(
            "prompt budget fitted to the context window",
            extra={"window": window, "fixed_tokens": fixed, "output_tokens": output, "budget": fitted},
        )
    return fitted
