"""`make eval` without a model endpoint: the OpenAI-compatible emulator plays a model per fixture thread.

Each fixture may carry an "emulator" block: "draft" (patched onto the emulator's default spec, to
plant the checklist failures a real model makes) and "repairs" (one patch per repair round: the
sections the model fixes; no patch left means the model fixes nothing). The eval itself is the real
pipeline, so this proves the loop (check, targeted repair, honesty) works end to end.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.model import ModelEmulator
from tests.fakes.model.answers import default_answer

API_KEY = "eval-emulator-key"


def deep_merge(base: Any, patch: Any) -> Any:
    """patch over base: objects merge key by key, anything else (lists included) is replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        return {**base, **{key: deep_merge(base.get(key), value) for key, value in patch.items()}}
    return patch


class ScriptedModel:
    """Answers the emulator's calls for the fixture thread being evaluated."""

    def __init__(self) -> None:
        """No fixture yet: the default answers only."""
        self.script: dict[str, Any] = {}
        self.repairs_made = 0

    def use(self, fixture: dict[str, Any]) -> None:
        """Play the model for this fixture thread from now on."""
        self.script = fixture.get("emulator") or {}
        self.repairs_made = 0

    def respond(self, schema_name: str | None, body: dict[str, Any]) -> dict[str, Any] | None:
        """The emulator's responder: a patched draft, the next repair patch, or the default answer."""
        if schema_name == "TechnicalSpecDraft":
            return deep_merge(default_answer(body), self.script.get("draft") or {})
        if schema_name == "SpecRepair":
            repairs = self.script.get("repairs") or []
            patch = repairs[self.repairs_made] if self.repairs_made < len(repairs) else {}
            self.repairs_made += 1
            full = default_answer(body)
            return {key: (deep_merge(full[key], patch[key]) if key in patch else None) for key in full}
        return None


def start_emulator() -> tuple[ModelEmulator, ScriptedModel]:
    """A started emulator whose answers follow the fixture given to ScriptedModel.use()."""
    scripted = ScriptedModel()
    emulator = ModelEmulator(api_key=API_KEY).start()
    emulator.responder = scripted.respond
    return emulator, scripted
