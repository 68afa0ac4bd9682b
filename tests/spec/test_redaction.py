"""Secrets become [REDACTED:kind]; prose, ids and hashes survive (true and false positives)."""

from __future__ import annotations

import json
import logging

import pytest

from bot.logs import JsonFormatter
from bot.spec.redaction import redact

# Built from parts so no scanner mistakes this test file for a leak.
SLACK_BOT = "xoxb-" + "1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_USER = "xoxp-" + "1234567890-1234567890123-1234567890123-0123456789abcdef0123456789abcdef"
SLACK_APP = "xapp-" + "1-A0123456789-1234567890123-0123456789abcdef0123456789abcdef"
SLACK_REFRESH = "xoxe." + "xoxb-1-" + "A" * 40
WEBHOOK = "https://hooks.slack.com/services/" + "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
OPENAI = "sk-" + "proj-" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6"
AWS_ID = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
GITHUB = "ghp_" + "a" * 36
GITHUB_FINE = "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnop"
JWT = "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0." + "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabc\n-----END RSA PRIVATE KEY-----"

TRUE_POSITIVES = [
    ("slack bot token", f"the token is {SLACK_BOT} ok", "slack_token", SLACK_BOT),
    ("slack user token", f"use {SLACK_USER}", "slack_token", SLACK_USER),
    ("slack app token", f"SLACK_APP_TOKEN={SLACK_APP}", "slack_app_token", SLACK_APP),
    ("slack refresh token", f"rotate {SLACK_REFRESH}", "slack_token", SLACK_REFRESH),
    ("slack webhook", f"post to {WEBHOOK}", "slack_webhook", WEBHOOK),
    ("openai key", f"OPENAI_API_KEY is {OPENAI}", "openai_key", OPENAI),
    ("aws access key id", f"aws id {AWS_ID} in prod", "aws_access_key", AWS_ID),
    ("aws secret key", f"aws_secret_access_key = {AWS_SECRET}", "aws_secret_key", AWS_SECRET),
    ("github token", f"clone with {GITHUB}", "git_token", GITHUB),
    ("github fine-grained token", f"token {GITHUB_FINE}", "git_token", GITHUB_FINE),
    ("jwt", f"Cookie: session={JWT}", "jwt", JWT),
    ("bearer token", "Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123", "http_auth", "abcdefghijklmnopqrst"),
    ("private key block", f"key:\n{PRIVATE_KEY}\nthanks", "private_key", "MIIEowIBAAKCAQEA7"),
    ("password assignment", "db password=Hunter2Hunter2! please", "password", "Hunter2Hunter2!"),
    ("quoted api key", 'config: {"api_key": "q8Zr2LmPx7Wv"}', "password", "q8Zr2LmPx7Wv"),
    ("connection string", "postgres://app:s3cretPass@db.internal:5432/app", "connection_string", "s3cretPass"),
]


@pytest.mark.parametrize(("case", "text", "kind", "secret"), TRUE_POSITIVES, ids=[c[0] for c in TRUE_POSITIVES])
def test_secret_is_redacted(case: str, text: str, kind: str, secret: str) -> None:
    result = redact(text)
    assert secret not in result.text
    assert f"[REDACTED:{kind}]" in result.text
    assert result.count >= 1


FALSE_POSITIVES = [
    ("prose", "We decided the password policy needs a review; the token bucket refills every second."),
    ("prose about keys", "Rotate the API key monthly and keep secrets in Vault, not in the repo."),
    ("uuid", "Tenant 3f2b9c1e-8d4a-4e6b-9f1c-2a7d5e8b0c4f is the noisy one."),
    ("commit hash", "Fixed in commit 9fceb02d0ae598e95dc970b74767f19372d61af8 on main."),
    ("short commit", "see a1b2c3d and 4e5f6a7"),
    ("slack ids", "ask <@U024BE7LH> in <#C024BE91L|design>, thread 1700000000.000100"),
    ("urls", "Docs at https://example.com/api/v2/items?page=2 and s3://bucket/key/path"),
    ("url with user only", "clone https://git@github.com/acme/repo.git"),
    ("numbers", "p99 < 200 ms at 5,000 req/s; 99.9% availability; retry after 30 s"),
    ("code", "def token_bucket(rate: int, burst: int) -> Limiter:\n    return Limiter(rate, burst)"),
    ("short password mention", "password: see vault"),
    ("sk prefix in prose", "the sk-learn model and task-force notes"),
    ("base64 image name", "logo_AKIAxyz.png is the new logo"),
]


@pytest.mark.parametrize(("case", "text"), FALSE_POSITIVES, ids=[c[0] for c in FALSE_POSITIVES])
def test_ordinary_text_survives(case: str, text: str) -> None:
    result = redact(text)
    assert result.text == text
    assert result.count == 0


def test_counts_every_secret_and_never_echoes_them() -> None:
    text = f"{SLACK_BOT} and {OPENAI} and {AWS_ID}"
    result = redact(text)
    assert result.count == 3
    assert result.text == "[REDACTED:slack_token] and [REDACTED:openai_key] and [REDACTED:aws_access_key]"


def test_logs_are_redacted() -> None:
    record = logging.LogRecord("bot", logging.INFO, "x", 1, f"calling with {SLACK_BOT}", None, None)
    record.detail = f"key={OPENAI}"
    line = JsonFormatter().format(record)
    assert SLACK_BOT not in line and OPENAI not in line
    assert json.loads(line)["event"] == "calling with [REDACTED:slack_token]"


def test_log_lines_never_carry_a_planted_secret() -> None:
    from tests.spec.secret_corpus import PLANTED

    formatter = JsonFormatter()
    for _, text, secrets in PLANTED:
        record = logging.LogRecord("bot.x", logging.WARNING, "p", 1, "failed on %s", (text,), None)
        record.detail = {"text": text, "parts": [text, {"nested": text}]}
        line = formatter.format(record)
        json.loads(line)  # still one JSON object
        assert not [s for s in secrets if s in line or json.dumps(s)[1:-1] in line], text[:60]
