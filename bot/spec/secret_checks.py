"""The vetoes of bot.spec.secret_patterns: is a value after a keyword really a secret, or a word, a
placeholder or a reference to where the secret lives?"""

from __future__ import annotations

import base64
import binascii
import re

_REFERENCE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?:\(\))?")
# Words that follow "password:" in prose or docs without being a password.
PLACEHOLDERS = frozenset(
    """required optional string none null nil true false yes no empty unset redacted hidden secret secrets password
    passwords token tokens changeme placeholder example sample value values here there see below above same
    vault rotated rotation stored missing needed blank default defaults masked encrypted xxxxxx xxxxxxxx
    policy policies manager reset expired expires expiry length strength field fields input prompt""".split()
)


def basic_auth(value: str) -> bool:
    """An HTTP Basic value is base64 of user:password; prose after 'basic' is not."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded and all(32 <= c < 127 for c in decoded)


def looks_secret(value: str) -> bool:
    """A value worth redacting after a keyword: not a placeholder, a reference or an ordinary word."""
    bare = value.strip("\"'`").rstrip(".,;:!?)")
    if len(bare) < 6 or bare.lower() in PLACEHOLDERS or bare.lower().strip("*x.") == "":
        return False
    if bare[0] in "$%<{[(" or bare.startswith(("os.environ", "process.env", "env(", "ENV[", "secretKeyRef", "vault:")):
        return False
    if _REFERENCE.fullmatch(bare):  # settings.API_KEY, config.db.password: code naming where the value is
        return False
    return not bare.startswith("[REDACTED")


def mixed(value: str) -> bool:
    """Prose passwords: letters with digits or symbols (a plain word after 'password' is usually prose,
    and so is a hyphenated one: "single-use", "read-only")."""
    bare = value.rstrip(".,;:!?)")
    has_alpha = any(c.isalpha() for c in bare)
    has_other = any(c.isdigit() or (not c.isalnum() and c not in "-.'_") for c in bare)
    return looks_secret(bare) and has_alpha and has_other


def aws_secret(value: str) -> bool:
    """40 base64 characters with both cases: an AWS secret key, not a (lower-case hex) SHA-1."""
    return any(c.isupper() for c in value) and any(c.islower() for c in value)


def password_key(key: str) -> bool:
    """True for a password's key (DB_PASSWORD, pwd, passphrase): people choose those, any word can be one."""
    return any(word in key.lower() for word in ("passw", "pwd", "passphrase", "pass"))


def randomish(value: str) -> bool:
    """A generated credential: digits, both cases or symbols in it, or long; not a plain word."""
    bare = value.strip("\"'`")
    return (
        len(bare) >= 20
        or any(c.isdigit() for c in bare)
        or (any(c.isupper() for c in bare[1:]) and any(c.islower() for c in bare))
        or any(not c.isalnum() and c not in "-._ " for c in bare)
    )
