"""`make eval` without a model endpoint: the OpenAI-compatible emulator plays a model per fixture thread.

Each fixture may carry an "emulator" block: "draft" (patched onto the emulator's default spec, to
plant the checklist failures a real model makes) and "repairs" (one patch per repair round: the
sections the model fixes; no patch left means the model fixes nothing). The eval itself is the real
pipeline, so this proves the loop (check, targeted repair, honesty) works end to end.

The played model also reads its prompt, the way a model would: it asks about an open point only when
the clarify prompt names the point's area, states a decision only when the settling message is in the
write prompt (citing the label the prompt gives it), and raises a contradiction only when both
messages are there. So a prompt that loses the thread, the labels or the areas lowers the figures.
It proves the plumbing and that the metrics respond to the prompt; only a real model measures quality.
"""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.model import ModelEmulator
from tests.fakes.model.answers import default_answer, prompt_text

API_KEY = "eval-emulator-key"


def deep_merge(base: Any, patch: Any) -> Any:
    """patch over base: objects merge key by key, anything else (lists included) is replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        return {**base, **{key: deep_merge(base.get(key), value) for key, value in patch.items()}}
    return patch


def label_of(prompt: str, message: str) -> str | None:
    """The label the prompt gives a message ("" when the text is there unlabelled, None when absent)."""
    head = message[:60]
    if head not in prompt:
        return None
    found = re.search(r"\[(M\d+)\][^\n]*?" + re.escape(head), prompt)
    return found.group(1) if found else ""


class ScriptedModel:
    """Answers the emulator's calls for the fixture thread being evaluated."""

    def __init__(self) -> None:
        """No fixture yet: the default answers only."""
        self.fixture: dict[str, Any] = {}
        self.script: dict[str, Any] = {}
        self.repairs_made = 0

    def use(self, fixture: dict[str, Any]) -> None:
        """Play the model for this fixture thread from now on."""
        self.fixture = fixture
        self.script = fixture.get("emulator") or {}
        self.repairs_made = 0

    def respond(self, schema_name: str | None, body: dict[str, Any]) -> dict[str, Any] | None:
        """The emulator's responder: a patched draft, the next repair patch, or the default answer."""
        notes = self.fixture.get("annotations") or {}
        if schema_name == "ClarifyResult" and notes:
            return self.clarify(body, notes)
        if schema_name == "TechnicalSpecDraft":
            draft = deep_merge(default_answer(body), self.script.get("draft") or {})
            return self.read_decisions(draft, prompt_text(body), notes) if notes else draft
        if schema_name == "SpecRepair":
            repairs = self.script.get("repairs") or []
            patch = repairs[self.repairs_made] if self.repairs_made < len(repairs) else {}
            self.repairs_made += 1
            full = default_answer(body)
            return {key: (deep_merge(full[key], patch[key]) if key in patch else None) for key in full}
        return None

    def clarify(self, body: dict[str, Any], notes: dict[str, Any]) -> dict[str, Any]:
        """Ask about each open point whose area the prompt names (a prompt without the areas asks nothing)."""
        prompt = prompt_text(body)
        questions = [
            {
                "area": point["area"],
                "question": point["text"] + "?",
                "why_it_matters": "The spec needs it.",
                "recommended_answer": None,
                "raised_in": None,
            }
            for point in notes.get("open_points", [])
            if f"{point['area']} - " in prompt
        ]
        title = self.fixture.get("title", "Spec")
        return {"thread_is_clear": not questions, "title": title, "language": "English", "questions": questions}

    def read_decisions(self, draft: dict[str, Any], prompt: str, notes: dict[str, Any]) -> dict[str, Any]:
        """State the decisions and contradictions whose messages the prompt shows, citing their labels."""
        messages = [text for _user, text in self.fixture.get("messages", [])]

        def label(reference: str) -> str | None:
            index = int(reference[1:]) - 1
            return label_of(prompt, messages[index]) if 0 <= index < len(messages) else None

        decisions = []
        for decision in notes.get("decisions", []):
            labels = [label(ref) for ref in decision["settled_by"]]
            if all(found is not None for found in labels):
                sources = [found for found in labels if found]
                decisions.append({"decision": decision["text"], "rationale": "As agreed.", "sources": sources})
        draft["architecture"]["decisions"] = decisions
        for contradiction in notes.get("contradictions", []):
            labels = [label(ref) for ref in contradiction["messages"]]
            if all(labels):
                text = f"Contradiction: {contradiction['text']}"
                draft["open_questions"].append({"text": text, "sources": labels})
        return draft


def start_emulator() -> tuple[ModelEmulator, ScriptedModel]:
    """A started emulator whose answers follow the fixture given to ScriptedModel.use()."""
    scripted = ScriptedModel()
    emulator = ModelEmulator(api_key=API_KEY).start()
    emulator.responder = scripted.respond
    return emulator, scripted
