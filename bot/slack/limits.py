"""Slack's documented size limits, applied to everything the bot sends, as a last safety net.

The builders (questions, summary, forms) shorten texts so they read well; this makes sure that
whatever a model or a translation produced, no call ever fails with msg_too_long, invalid_blocks or
invalid_arguments: texts are cut (marked with …) and lists capped, never left to Slack to refuse.
"""

from __future__ import annotations

import copy
from typing import Any

MESSAGE_TEXT = 3_900  # chat.update refuses text over 4,000 characters (msg_too_long); postMessage 40,000
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3_000
SECTION_FIELDS = 10
FIELD_TEXT = 2_000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2_000
ID_CHARS = 255  # action_id, block_id, callback_id
VIEW_TITLE = 24  # modal title, submit and close
INPUT_LABEL = 2_000
INPUT_HINT = 2_000
PLACEHOLDER = 150


def clip(text: str, limit: int) -> str:
    """Cut text to limit characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fit_text(text: str) -> str:
    """A message's text within what chat.postMessage and chat.update both accept."""
    return clip(text, MESSAGE_TEXT)


def fit_blocks(blocks: list[dict[str, Any]] | None, limit: int = MESSAGE_BLOCKS) -> list[dict[str, Any]] | None:
    """The blocks within Slack's limits: at most limit (the last one, the buttons, kept), each block's texts cut."""
    if not blocks:
        return blocks
    fitted = [_fit_block(b) for b in copy.deepcopy(blocks)]
    if len(fitted) > limit:
        fitted = [*fitted[: limit - 1], fitted[-1]]
    return fitted


def fit_view(view: dict[str, Any]) -> dict[str, Any]:
    """A modal or Home view within Slack's limits (title, buttons, labels, hints, 100 blocks)."""
    fitted = copy.deepcopy(view)
    for key in ("title", "submit", "close"):
        _cut(fitted.get(key), VIEW_TITLE)
    fitted["blocks"] = fit_blocks(fitted.get("blocks") or [], VIEW_BLOCKS) or []
    return fitted


def _cut(obj: Any, limit: int) -> None:
    """Cut a text object's text in place."""
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        obj["text"] = clip(obj["text"], limit)


def _fit_block(block: dict[str, Any]) -> dict[str, Any]:
    kind = block.get("type")
    if isinstance(block.get("block_id"), str):
        block["block_id"] = block["block_id"][:ID_CHARS]
    if kind == "section":
        _cut(block.get("text"), SECTION_TEXT)
        if isinstance(block.get("fields"), list):
            block["fields"] = block["fields"][:SECTION_FIELDS]
            for field in block["fields"]:
                _cut(field, FIELD_TEXT)
        _fit_element(block.get("accessory"))
    elif kind == "header":
        _cut(block.get("text"), HEADER_TEXT)
    elif kind == "context" and isinstance(block.get("elements"), list):
        block["elements"] = block["elements"][:CONTEXT_ELEMENTS]
        for element in block["elements"]:
            _cut(element, SECTION_TEXT)
    elif kind == "actions" and isinstance(block.get("elements"), list):
        block["elements"] = block["elements"][:ACTIONS_ELEMENTS]
        for element in block["elements"]:
            _fit_element(element)
    elif kind == "input":
        _cut(block.get("label"), INPUT_LABEL)
        _cut(block.get("hint"), INPUT_HINT)
        _fit_element(block.get("element"))
    return block


def _fit_element(element: Any) -> None:
    if not isinstance(element, dict):
        return
    if element.get("type") == "button":
        _cut(element.get("text"), BUTTON_TEXT)
        if isinstance(element.get("value"), str):
            element["value"] = element["value"][:BUTTON_VALUE]
    _cut(element.get("placeholder"), PLACEHOLDER)
    if isinstance(element.get("action_id"), str):
        element["action_id"] = element["action_id"][:ID_CHARS]
