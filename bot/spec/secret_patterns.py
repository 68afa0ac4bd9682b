"""Our own high-precision credential patterns: the shapes a keyword/entropy scanner misses or only half-catches.

Each pattern names a kind (shown as [REDACTED:kind]) and either redacts its whole match or only its
`secret` group (so `password=` and the host of a URL stay readable). A check can veto a match that only
looks like a secret (a Basic header must decode to `user:password`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.spec.secret_checks import aws_secret, basic_auth, looks_secret, mixed, password_key, randomish

_TOKEN_END = r"(?![A-Za-z0-9_-])"


@dataclass(frozen=True)
class Pattern:
    """A named credential shape; `check` sees the secret text and may veto it."""

    kind: str
    regex: re.Pattern[str]
    check: Callable[[str], bool] | None = None
    # Lower-case strings one of which the text must contain for the regex to be worth running (speed).
    needles: tuple[str, ...] = ()

    # True when a match never spans lines, so only the lines holding a needle need searching.
    within_a_line: bool = False

    def worth_running(self, lowered: str) -> bool:
        """True when the (lower-cased) text holds one of the pattern's needles, or it has none."""
        return not self.needles or any(needle in lowered for needle in self.needles)


_KEYWORD = (
    r"(?:password|passwd|pwd|passphrase|secret(?:[_.-]?access)?(?:[_.-]?key)?(?:[_.-]?base)?|token|"
    r"api[_.-]?key|apikey|access[_.-]?key(?:[_.-]?id)?|private[_.-]?key[_.-]?id|auth[_.-]?token|_auth|"
    r"credentials?|account[_.-]?key|shared[_.-]?access[_.-]?key|signing[_.-]?key|encryption[_.-]?key|"
    r"master[_.-]?key|client[_.-]?secret|connection[_.-]?string|dsn|(?<=[_.-])pass)"
)

_KEY_NEEDLES = ("pass", "pwd", "secret", "token", "key", "auth", "cred", "dsn", "connection")
_PROSE_KEYWORD = (
    r"password|passwd|pass ?word|pw|pwd|passphrase|passcode|contraseña|contrasena|clave|passwort|kennwort|"
    r"mot de passe|mdp"
)
_PROSE_NEEDLES = ("pass", "pw", "contras", "clave", "kennwort", "mot de passe", "mdp")
_VALUE = r"""(?:(?P<q>["'`])(?P<quoted>[^"'`\n]{4,200})(?P=q)|(?P<secret>[^\s"'`,;]{4,200}))"""

_Source = tuple[str, str, int, Callable[[str], bool] | None, tuple[str, ...]]
_SOURCES: list[_Source] = [
    # Whole private-key blocks (every PEM, PGP and OpenSSH kind), to their END line or, cut off, to the end.
    (
        "private_key",
        r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----.*?(?:-----END \1PRIVATE KEY\2-----|\Z)",
        re.S,
        None,
        ("private key",),
    ),
    (
        "private_key",
        r"---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----.*?(?:---- END SSH2 ENCRYPTED PRIVATE KEY ----|\Z)",
        re.S,
        None,
        ("ssh2",),
    ),
    ("private_key", r"PuTTY-User-Key-File-\d: .*?Private-MAC: [0-9a-f]+", re.S, None, ("putty",)),
    ("private_key", r"\bAGE-SECRET-KEY-1[0-9A-Z]{58}\b", 0, None, ("age-secret",)),
    (
        "slack_webhook",
        r"https://hooks\.slack(?:-gov)?\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+",
        0,
        None,
        ("hooks.slack",),
    ),
    ("slack_token", r"\bxox[abposre]-[0-9A-Za-z-]{10,}|\bxoxe\.xox[bp]-\d-[A-Za-z0-9]{20,}", 0, None, ("xox",)),
    ("slack_app_token", r"\bxapp-\d-[A-Za-z0-9]+-\d+-[A-Za-z0-9]+", 0, None, ("xapp-",)),
    (
        "webhook",
        r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]{20,}",
        0,
        None,
        ("discord",),
    ),
    ("webhook", r"https://[\w.-]*webhook\.office\.com/webhook\w*/\S+", 0, None, ("webhook.office",)),
    ("webhook", r"https://hooks\.zapier\.com/hooks/catch/\d+/\w+", 0, None, ("zapier",)),
    ("webhook", r"https://[\w.-]+\.logic\.azure\.com\S*[?&]sig=[\w%-]+", 0, None, ("logic.azure",)),
    ("chat_token", r"\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b", 0, None, (":aa",)),  # Telegram bot token
    ("chat_token", r"\b[MNO][A-Za-z\d]{23,25}\.[\w-]{6}\.[\w-]{27,38}\b", 0, None, ()),  # Discord bot token
    ("openai_key", r"\bsk-(?:proj-|svcacct-|admin-|ant-)?[A-Za-z0-9_-]{20,}", 0, None, ("sk-",)),
    (
        "stripe_key",
        r"\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,}|\bwhsec_[A-Za-z0-9+/]{20,}",
        0,
        None,
        ("k_live_", "k_test_", "whsec_"),
    ),
    ("google_api_key", r"\bAIza[0-9A-Za-z_-]{35}" + _TOKEN_END, 0, None, ("aiza",)),
    (
        "google_oauth",
        r"\bGOCSPX-[A-Za-z0-9_-]{20,}|\bya29\.[0-9A-Za-z_-]{20,}|\b1//0[0-9A-Za-z_-]{30,}",
        0,
        None,
        ("gocspx-", "ya29.", "1//0"),
    ),
    (
        "aws_access_key",
        r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b",
        0,
        None,
        ("a3t", "akia", "asia", "abia", "acca"),
    ),
    # The secret key printed after the key id: same line (CLI table) or the next few (credentials file, CSV).
    (
        "aws_secret_key",
        r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}[\s\S]{0,300}?(?<![A-Za-z0-9/+=])"
        r"(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        0,
        aws_secret,
        ("a3t", "akia", "asia", "abia", "acca"),
    ),
    (
        "aws_secret_key",
        r"(?i)(?:aws|secret).{0,30}?(?<![A-Za-z0-9/+=])(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        0,
        aws_secret,
        ("aws", "secret"),
    ),
    (
        "azure_key",
        r"(?i)\b(?:Account|SharedAccess)Key\s*=\s*(?P<secret>[A-Za-z0-9+/]{20,}={0,2})",
        0,
        None,
        ("accesskey", "accountkey"),
    ),
    ("azure_key", r"[?&]sig=(?P<secret>[A-Za-z0-9%+/=]{20,})", 0, None, ("sig=",)),
    ("azure_key", r"\b[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}" + _TOKEN_END, 0, None, ("q~",)),
    (
        "git_token",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_\w{22,})",
        0,
        None,
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    (
        "git_token",
        r"\bgl(?:pat|ptt|dt|rt|cbt|soat|ffct|agent|oas|imt)-[0-9A-Za-z_.-]{20,}|\bGR1348941[\w-]{20,}",
        0,
        None,
        ("gl", "gr1348941"),
    ),
    ("git_token", r"\bATATT3[A-Za-z0-9_=-]{50,}|\bbkua_[a-f0-9]{40}\b", 0, None, ("atatt3", "bkua_")),
    (
        "package_token",
        r"\bnpm_[A-Za-z0-9]{36}\b|\bpypi-AgE[A-Za-z0-9_-]{40,}|\bdckr_pat_[A-Za-z0-9_-]{20,}",
        0,
        None,
        ("npm_", "pypi-", "dckr_pat_"),
    ),
    (
        "package_token",
        r"\brubygems_[a-f0-9]{48}\b|\boy2[a-z0-9]{43}\b|\bAKCp[A-Za-z0-9]{60,}",
        0,
        None,
        ("rubygems_", "oy2", "akcp"),
    ),
    ("package_token", r"(?i)_auth(?:Token)?\s*=\s*(?P<secret>[^\s\"']{8,})", 0, None, ("_auth",)),
    ("package_token", r"\"auth\"\s*:\s*\"(?P<secret>[A-Za-z0-9+/]{8,}={0,2})\"", 0, basic_auth, ('"auth"',)),
    (
        "vault_token",
        r"\bhvs\.[A-Za-z0-9_-]{24,}|\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,}",
        0,
        None,
        ("hvs.", "atlasv1"),
    ),
    (
        "api_key",
        r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b|\bSK[0-9a-fA-F]{32}\b|\bkey-[0-9a-f]{32}\b",
        0,
        None,
        ("sg.", "sk", "key-"),
    ),
    (
        "api_key",
        r"\b[0-9a-f]{32}-us\d{1,2}\b|\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b|\blin_api_[A-Za-z0-9]{40}\b",
        0,
        None,
        ("-us", "shp", "lin_api_"),
    ),
    (
        "api_key",
        r"\bNRAK-[A-Z0-9]{27}\b|\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b|\bsq0(?:atp|csp)-[\w-]{22,}",
        0,
        None,
        ("nrak-", "pmak-", "sq0"),
    ),
    ("api_key", r"\bdp\.(?:pt|st|sa|ct)\.[A-Za-z0-9]{40,}|\bglc_[A-Za-z0-9+/]{32,}={0,2}", 0, None, ("dp.", "glc_")),
    ("sentry_dsn", r"https://(?P<secret>[0-9a-f]{32})@[\w.-]*\bsentry\.io", 0, None, ("sentry",)),
    ("jwt", r"\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}", 0, None, ("eyj",)),
    # user:password@ in any URL; the password may hold '/', '@' or ':' (the last '@' before the host ends it).
    (
        "connection_string",
        r"(?i)\b[a-z][a-z0-9+.-]{1,30}://[^\s:/@'\"<>]*:(?P<secret>(?!\d{1,5}(?:/|$))[^\s'\"<>]+?)"
        r"@(?=[A-Za-z0-9_.\[\]-]+(?::\d+)?(?:[/?#\s'\",;)>]|$))(?![^\s]*@[A-Za-z0-9])",
        0,
        None,
        ("://",),
    ),
    ("connection_string", r"(?i)[?&;](?:password|pwd|passwd|pass)=(?P<secret>[^&\s;'\"]+)", 0, None, ("pass", "pwd")),
    ("http_auth", r"(?i)\bbasic\s+(?P<secret>[A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])", 0, basic_auth, ("basic",)),
    ("http_auth", r"(?i)\bbearer\s+(?P<secret>[A-Za-z0-9._~+/-]{20,}=*)", 0, None, ("bearer",)),
    ("http_auth", r"(?:\s|^)(?:-u|--user)\s+['\"]?[^\s:'\"]+:(?P<secret>[^\s'\"]+)", re.M, None, ("-u", "--user")),
    # Assignments: .env, YAML, JSON, INI, code, headers (DB_PASSWORD=..., "apiKey": "...", X-Api-Key: ...).
    # Not after ':' or '/', so an ARN's ":secret:name" segment is not an assignment.
    (
        "password",
        # The match starts at the keyword (fast: no identifier scan at every position); accepts() checks
        # the identifier it ends (DB_PASSWORD, stripeSecretKey) is not an ARN's ":secret:" segment.
        r"(?i)(?P<key>" + _KEYWORD + ")" + r"(?![A-Za-z0-9])[\"']?[ \t]*(?::=|=>|[:=])[ \t]*"
        r"(?!\[REDACTED)" + _VALUE,
        0,
        looks_secret,
        _KEY_NEEDLES,
    ),
    # Prose, English and Spanish, German, French: "the db pw is hunter2hunter2", "la contraseña es: ...".
    (
        "password",
        r"(?i)\b(?:" + _PROSE_KEYWORD + r")\b(?:\s+[\w.@/-]+){0,5}?"
        r"(?:[ \t]*(?P<sep>[:=]|->)|\s+(?:is|was|es|era|ist|lautet|est|sería)(?:\s+now)?[ \t]*(?P<verbsep>:)?)"
        r"[ \t]*(?P<secret>[^\s\"'`]{6,80})",
        0,
        None,
        _PROSE_NEEDLES,
    ),
    ("password", r"(?i)\b(?:" + _PROSE_KEYWORD + r")[ \t]+(?P<secret>[^\s\"'`:=]{6,80})", 0, None, _PROSE_NEEDLES),
]


def _compile(source: _Source) -> Pattern:
    kind, regex, flags, check, needles = source
    single_line = bool(needles) and not flags & re.S and "[\\s\\S]" not in regex
    return Pattern(kind, re.compile(regex, flags), check, needles, single_line)


PATTERNS: list[Pattern] = [_compile(source) for source in _SOURCES]


def secret_span(match: re.Match[str]) -> tuple[int, int]:
    """Where the secret is in a match: its `quoted` or `secret` group, else the whole match."""
    for group in ("quoted", "secret"):
        if group in match.re.groupindex and match.start(group) >= 0:
            return match.span(group)
    return match.span()


def _assignment_target(text: str, key_start: int) -> bool:
    """True when the identifier that ends in the keyword stands alone (not after ':' or '/', as in an ARN)."""
    i = key_start
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] in "_.-"):
        i -= 1
    return i == 0 or text[i - 1] not in ":/"


def accepts(pattern: Pattern, match: re.Match[str]) -> bool:
    """True when the match is a secret: the pattern's check passes (a prose password needs ':' or '=' before
    it, or letters mixed with digits or symbols)."""
    start, end = secret_span(match)
    value = match.string[start:end]
    if "REDACTED:" in value:  # our own mark, from an earlier pass (logs redact what was redacted)
        return False
    if "key" in match.re.groupindex:
        if not password_key(match.group("key")) and not randomish(value):
            return False  # "token: refreshed daily", "secret: management": a word, not a token
        if not _assignment_target(match.string, match.start("key")):
            return False
    if "sep" in match.re.groupindex:
        return looks_secret(value) if match.group("sep") or match.group("verbsep") else mixed(value)
    if match.re is PATTERNS[-1].regex:  # "db pw hunter2hunter2": no verb, no separator
        return mixed(value)
    return pattern.check is None or pattern.check(value)
