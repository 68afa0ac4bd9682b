"""Block Kit for the admins' "Workspace settings": the Home tab section, the modal, and reading it back.

Field values travel as text here; bot.flow.workspace_admin checks them against the operator's bounds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    ConversationMultiSelectElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.blocks.block_elements import FileInputElement
from slack_sdk.models.views import View

from bot.slack.texts import SECTION_LIMIT, clip, escape

SETTINGS_CALLBACK = "techspec_workspace_settings"
OPEN_SETTINGS_ACTION = "techspec_settings_open"
TEMPLATE_TYPES = ["j2", "md", "txt"]
# (block and action id, label) of each number a workspace may set.
LIMIT_FIELDS = (
    ("max_user", "Specs under way per person"),
    ("max_channel", "Specs under way per channel"),
    ("max_workspace", "Specs under way in the workspace"),
    ("max_hour", "New specs per person per hour"),
    ("budget_usd", "Monthly budget, USD (0: none)"),
    ("budget_tokens", "Monthly budget, tokens (0: none)"),
)
CHANNEL_MODES = (
    ("all", "Every channel I'm in"),
    ("allow", "Only the channels below"),
    ("deny", "Every channel except the ones below"),
)


@dataclass
class SettingsForm:
    """What the modal shows: the workspace's current choices (text) and the defaults and bounds beside them."""

    model: str = ""
    endpoint: str = ""
    key_set: bool = False
    can_store_key: bool = True
    endpoints_allowed: bool = True
    template_name: str | None = None
    numbers: dict[str, str] = field(default_factory=dict)  # LIMIT_FIELDS id -> current value ("" = default)
    hints: dict[str, str] = field(default_factory=dict)  # id -> "Default: ..., at most ..."
    channel_mode: str = "all"
    channels: list[str] = field(default_factory=list)


@dataclass
class SettingsInput:
    """What an admin submitted, as Slack sent it (text; files as Slack's file objects)."""

    model: str = ""
    endpoint: str = ""
    api_key: str = ""
    files: list[dict[str, Any]] = field(default_factory=list)
    resets: set[str] = field(default_factory=set)
    numbers: dict[str, str] = field(default_factory=dict)
    channel_mode: str = "all"
    channels: list[str] = field(default_factory=list)


def home_section(summary: str) -> list[Block]:
    """The admins' part of the Home tab: what is set, and the button that opens the modal."""
    return [
        DividerBlock(),
        HeaderBlock(text="Workspace settings"),
        SectionBlock(text=MarkdownTextObject(text=clip(summary, SECTION_LIMIT))),
        ActionsBlock(elements=[ButtonElement(text="Change settings", action_id=OPEN_SETTINGS_ACTION, value="open")]),
        ContextBlock(elements=[MarkdownTextObject(text="Only workspace admins and owners see this section.")]),
    ]


def _text_input(block: str, label: str, initial: str, hint: str, placeholder: str | None = None) -> InputBlock:
    return InputBlock(
        block_id=block,
        label=label,
        hint=clip(hint, 2000) if hint else None,
        optional=True,
        element=PlainTextInputElement(
            action_id=block, initial_value=initial or None, max_length=500, placeholder=placeholder
        ),
    )


def _model_blocks(form: SettingsForm) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text="Model")]
    blocks.append(_text_input("model", "Model name", form.model, form.hints.get("model", "")))
    if not form.endpoints_allowed:
        return blocks
    blocks.append(
        _text_input("endpoint", "OpenAI-compatible endpoint URL", form.endpoint, form.hints.get("endpoint", ""))
    )
    if form.can_store_key:
        state = "set" if form.key_set else "not set"
        hint = (
            f"The key is {state}. Leave blank to keep it (changing the endpoint removes it unless you enter"
            " a key with it); it is stored encrypted and never shown."
        )
        blocks.append(_text_input("api_key", "API key for that endpoint", "", hint, placeholder="sk-…"))
    else:
        note = "A key cannot be stored yet: the operator must set `TECHSPEC_ENCRYPTION_KEYS` first."
        blocks.append(SectionBlock(block_id="api_key_note", text=MarkdownTextObject(text=note)))
    return blocks


def _template_blocks(form: SettingsForm) -> list[Block]:
    current = f"Now: `{escape(form.template_name)}`." if form.template_name else "Now: the default template."
    resets = [Option(value="template", label="Use the default template")]
    if form.key_set:
        resets.append(Option(value="key", label="Remove the stored API key"))
    return [
        HeaderBlock(text="Spec template"),
        InputBlock(
            block_id="template",
            label="Upload a Jinja2 template (.j2)",
            hint=f"{current} It is checked before it is saved; problems are shown here with their line.",
            optional=True,
            element=FileInputElement(action_id="template", filetypes=TEMPLATE_TYPES, max_files=1),
        ),
        InputBlock(
            block_id="reset", label="Reset", optional=True, element=CheckboxesElement(action_id="reset", options=resets)
        ),
    ]


def _limit_blocks(form: SettingsForm) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text="Limits and budget")]
    for block, label in LIMIT_FIELDS:
        hint = form.hints.get(block, "") + " Leave blank for the default."
        blocks.append(_text_input(block, label, form.numbers.get(block, ""), hint.strip()))
    return blocks


def _channel_blocks(form: SettingsForm) -> list[Block]:
    options = [Option(value=value, label=label) for value, label in CHANNEL_MODES]
    initial = next((o for o in options if o.value == form.channel_mode), options[0])
    return [
        HeaderBlock(text="Channels"),
        InputBlock(
            block_id="channel_mode",
            label="Where I may work",
            element=RadioButtonsElement(action_id="channel_mode", options=options, initial_option=initial),
        ),
        InputBlock(
            block_id="channels",
            label="Channels",
            optional=True,
            element=ConversationMultiSelectElement(
                action_id="channels", initial_conversations=form.channels or None, max_selected_items=100
            ),
        ),
    ]


def settings_modal(scope: str, form: SettingsForm) -> dict:
    """The modal an admin changes the workspace's settings in."""
    blocks = _model_blocks(form) + [DividerBlock()] + _template_blocks(form) + [DividerBlock()]
    blocks += _limit_blocks(form) + [DividerBlock()] + _channel_blocks(form)
    view = View(
        type="modal",
        callback_id=SETTINGS_CALLBACK,
        private_metadata=scope,
        title=PlainTextObject(text="Workspace settings"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks,
    )
    return view.to_dict()


def read_settings(values: dict[str, dict[str, dict[str, Any]]]) -> SettingsInput:
    """The submitted modal's values (state.values: block id -> action id -> the element's state)."""

    def state(block: str) -> dict[str, Any]:
        return (values.get(block) or {}).get(block) or {}

    def text(block: str) -> str:
        return str(state(block).get("value") or "").strip()

    mode = (state("channel_mode").get("selected_option") or {}).get("value") or "all"
    return SettingsInput(
        model=text("model"),
        endpoint=text("endpoint"),
        api_key=text("api_key"),
        files=[f for f in state("template").get("files") or [] if isinstance(f, dict)],
        resets={str(o.get("value")) for o in state("reset").get("selected_options") or []},
        numbers={block: text(block) for block, _ in LIMIT_FIELDS},
        channel_mode=str(mode),
        channels=[str(c) for c in state("channels").get("selected_conversations") or []],
    )
