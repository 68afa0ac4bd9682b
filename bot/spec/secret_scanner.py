"""bc-detect-secrets (the maintained detect-secrets fork) as a second net: its vendor plugins, keyword and
high-entropy detectors, tuned so that ids, hashes and images in design threads survive.

detect-secrets keeps its configuration in process-wide settings, so it is configured once and every
scan runs under one lock. It reports secret values, not offsets: bot.spec.redaction finds them in the text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

from detect_secrets.core.scan import _is_filtered_out, _scan_line
from detect_secrets.settings import configure_settings_from_baseline, get_plugins, get_settings
from detect_secrets.util.code_snippet import get_code_snippet

# Keyword and base64-entropy detection, and the vendor plugins for what our own patterns
# (bot.spec.secret_patterns) have no shape for. Hex entropy is left out: in a design thread a long hex
# string is a commit, a checksum or a digest far more often than a key, and the hex keys that matter
# (Mailchimp, Twilio, Buildkite ...) have their own patterns.
PLUGINS = [
    {"name": name}
    for name in (
        "ArtifactoryDetector",
        "CloudantDetector",
        "IbmCloudIamDetector",
        "IbmCosHmacDetector",
        "KeywordDetector",
        "SoftlayerDetector",
        "SquareOAuthDetector",
    )
] + [{"name": "Base64HighEntropyString", "limit": 4.5}]
# A line is scanned only when it holds a long random-looking token (every plugin above needs one;
# short keyword values are our patterns' job).
_CANDIDATE = re.compile(r"[A-Za-z0-9+/=_-]{16,}")
# Values that look random but are not credentials.
_HEX = re.compile(r"[0-9a-fA-F-]{7,}")
_PATH_SEGMENT = re.compile(r"[a-z_.-]*|[0-9]+|[0-9a-f]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_IMAGE = re.compile(r"(?:data:[\w/+.-]+;base64,|sha(?:256|384|512)-)$")
_lock = threading.Lock()
_configured = False


def _configure() -> None:
    global _configured
    if not _configured:
        configure_settings_from_baseline({"plugins_used": PLUGINS})
        # The "is this a real source file" filter means nothing for a chat message.
        get_settings().disable_filters("detect_secrets.filters.common.is_invalid_file")
        _configured = True


def scan(text: str) -> Iterator[tuple[str, str]]:
    """(kind, value) for every secret detect-secrets finds in text, look-alikes excluded."""
    for line in text.splitlines():
        if not any(not _look_alike(token, line) for token in _CANDIDATE.findall(line)):
            continue
        with _lock:
            _configure()
            found = _scan_line_plain(line)
        for kind, value in found:
            # Vendor plugins report their regex's first group: a bare prefix ("ghp") is not the secret.
            if len(value) >= 8 and not _look_alike(value, line):
                yield _kind(kind), value


def _scan_line_plain(line: str) -> list[tuple[str, str]]:
    """detect-secrets' own scan_line without its "eager" mode, which reports every word of prose."""
    context = get_code_snippet(lines=[line], line_number=1)
    found = []
    for plugin in get_plugins():
        for secret in _scan_line(plugin=plugin, filename="message", line=line, line_number=0, context=context):
            filtered = _is_filtered_out(
                required_filter_parameters=["context"],
                filename=secret.filename,
                secret=secret.secret_value,
                plugin=plugin,
                line=line,
                context=context,
            )
            if not filtered and secret.secret_value:
                found.append((secret.type, str(secret.secret_value)))
    return found


def _look_alike(value: str, line: str) -> bool:
    """Hashes, UUIDs, inline images and redaction marks: random-looking, not secret."""
    if _HEX.fullmatch(value) or _UUID.fullmatch(value) or "REDACTED" in value or value.isalpha():
        return True
    if "/" in value and all(_PATH_SEGMENT.fullmatch(part) for part in value.split("/")):
        return True  # a path (api/v2/items, 5555/api/reactions, commit/e83c51...): base64 mixes cases
    where = line.find(value)
    return where > 0 and _IMAGE.search(line[max(0, where - 60) : where]) is not None


def _kind(plugin_type: str) -> str:
    """'Secret Keyword' -> 'secret_keyword': the name shown in [REDACTED:kind]."""
    return re.sub(r"[^a-z0-9]+", "_", plugin_type.lower()).strip("_") or "secret"
