"""Replace credentials with [REDACTED:kind] before text reaches the model or the logs."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Order matters: specific shapes first, so a Slack token inside a URL is named as such and the
# generic `password=` rule only sees what is left.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "private_key",
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL),
    ),
    ("slack_webhook", re.compile(r"https://hooks\.slack(?:-gov)?\.com/(?:services|workflows)/[A-Za-z0-9/_-]+")),
    ("slack_token", re.compile(r"\bxox[abposre]-[0-9A-Za-z-]{10,}")),
    ("slack_token", re.compile(r"\bxoxe\.xox[bp]-\d-[A-Za-z0-9]{20,}")),
    ("slack_app_token", re.compile(r"\bxapp-\d-[A-Za-z0-9]+-\d+-[A-Za-z0-9]+")),
    ("openai_key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}")),
    ("aws_access_key", re.compile(r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b")),
    (
        "aws_secret_key",
        re.compile(r"(?i)(?<=aws)(?:.{0,20}?(?:secret|sk).{0,20}?['\"=: ]+)([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"),
    ),
    ("github_token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_\w{22,})")),
    ("jwt", re.compile(r"\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}")),
    ("bearer_token", re.compile(r"(?i)(?<=bearer )[A-Za-z0-9._~+/-]{20,}=*")),
    ("connection_string", re.compile(r"(?i)(?<=://)[^\s:/@]+:[^\s@/]{3,}(?=@)")),
    (
        "password",
        re.compile(
            r"(?i)(?<![A-Za-z])(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)"
            r"[\"']?\s*[:=]\s*[\"']?(?!\[REDACTED)([^\s\"',;]{8,})"
        ),
    ),
]


@dataclass(frozen=True)
class Redaction:
    """Redacted text and how many secrets were replaced."""

    text: str
    count: int


def redact(text: str) -> Redaction:
    """Return the text with every recognised credential replaced by [REDACTED:kind]."""
    total = 0
    for kind, pattern in _PATTERNS:
        text, n = _substitute(pattern, kind, text)
        total += n
    return Redaction(text=text, count=total)


def redact_text(text: str) -> str:
    """Shorthand for redact(text).text."""
    return redact(text).text


def _substitute(pattern: re.Pattern[str], kind: str, text: str) -> tuple[str, int]:
    marker = f"[REDACTED:{kind}]"

    def replace(match: re.Match[str]) -> str:
        if match.lastindex:  # keep the keyword, replace only the captured value
            start, end = match.span(1)
            whole_start = match.start()
            value = match.group(0)
            return value[: start - whole_start] + marker + value[end - whole_start :]
        return marker

    return pattern.subn(replace, text)
