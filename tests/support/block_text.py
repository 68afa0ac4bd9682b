"""Render Block Kit (messages, modals, Home tabs) as readable text, so reviewers see what people see."""

from __future__ import annotations

from typing import Any


def render_message(text: str, blocks: list[dict[str, Any]] | None) -> str:
    """A message as text: its blocks when it has them, else its text; the fallback text is noted."""
    if not blocks:
        return text.rstrip() + "\n"
    return render_blocks(blocks) + f"\n(notification text: {text.splitlines()[0] if text else ''})\n"


def render_view(view: dict[str, Any]) -> str:
    """A modal or Home tab as text, framed by its title and buttons."""
    lines = [f"[{view['type']}] {_plain(view.get('title'))}".rstrip()]
    lines.append("=" * 60)
    lines.append(render_blocks(view.get("blocks", [])))
    buttons = [f"[ {_plain(view.get(k))} ]" for k in ("close", "submit") if view.get(k)]
    if buttons:
        lines.append("=" * 60)
        lines.append("  ".join(buttons))
    return "\n".join(lines) + "\n"


def render_blocks(blocks: list[dict[str, Any]]) -> str:
    """Each block on its own lines, in Slack's order."""
    return "\n".join(_block(block) for block in blocks)


def _block(block: dict[str, Any]) -> str:
    kind = block.get("type")
    if kind == "header":
        text = _plain(block.get("text"))
        return f"# {text}\n"
    if kind == "section":
        body = _text(block.get("text"))
        fields = [_text(f) for f in block.get("fields", [])]
        return "\n".join([body, *fields]) + "\n"
    if kind == "context":
        return "\n".join("  | " + line for e in block.get("elements", []) for line in _text(e).splitlines()) + "\n"
    if kind == "actions":
        return "  ".join(_button(e) for e in block.get("elements", [])) + "\n"
    if kind == "divider":
        return "-" * 60 + "\n"
    if kind == "input":
        return _input(block)
    return f"<{kind} block>\n"


def _button(element: dict[str, Any]) -> str:
    style = f" ({element['style']})" if element.get("style") else ""
    return f"[ {_plain(element.get('text'))} ]{style}"


def _input(block: dict[str, Any]) -> str:
    element = block.get("element", {})
    optional = " (optional)" if block.get("optional") else ""
    lines = [f"{_plain(block.get('label'))}{optional}"]
    if block.get("hint"):
        lines.append(f"  hint: {_plain(block.get('hint'))}")
    kind = element.get("type")
    if kind in ("radio_buttons", "checkboxes"):
        chosen = (element.get("initial_option") or {}).get("value")
        for option in element.get("options", []):
            mark = "(o)" if option.get("value") == chosen else "( )" if kind == "radio_buttons" else "[ ]"
            lines.append(f"  {mark} {_plain(option.get('text'))}")
    elif kind == "file_input":
        lines.append(f"  [ Upload a file: {', '.join(element.get('filetypes', []))} ]")
    elif kind == "multi_conversations_select":
        picked = " ".join(f"<#{c}>" for c in element.get("initial_conversations", []))
        lines.append(f"  [ channels: {picked} ]" if picked else "  [ pick channels ]")
    else:
        initial = element.get("initial_value")
        lines.append(f"  [ {initial} ]" if initial else "  [                    ]")
    return "\n".join(lines) + "\n"


def _text(obj: Any) -> str:
    if not obj:
        return ""
    return str(obj.get("text", "")) if isinstance(obj, dict) else str(obj)


def _plain(obj: Any) -> str:
    return _text(obj)
