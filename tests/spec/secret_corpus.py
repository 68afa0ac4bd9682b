"""The planted-credential corpus: secrets pasted the way engineers paste them, and look-alikes that must survive.

Every key is generated (seeded, so runs are repeatable) and assembled from parts, so no scanner mistakes
this file for a leak and no real credential is in it. `PLANTED` rows are (class, text, secrets that must
not survive); `LOOK_ALIKES` rows are (class, text) that must come back unchanged.
"""

from __future__ import annotations

import base64
import random
import string

_rnd = random.Random(20261130)
B62 = string.ascii_letters + string.digits


def r(n: int, alphabet: str = B62) -> str:
    """n random characters."""
    return "".join(_rnd.choice(alphabet) for _ in range(n))


def hexs(n: int) -> str:
    """n random lower-case hex digits."""
    return r(n, "0123456789abcdef")


def aws_id() -> str:
    """An AWS access key id."""
    return "AK" + "IA" + r(16, string.ascii_uppercase + "234567")


def aws_secret() -> str:
    """An AWS secret access key (40 base64 characters, both cases, a slash)."""
    return r(18) + "/" + r(10) + "+" + r(10)


def pem(kind: str, lines: int = 4) -> str:
    """A private-key block of the given kind ("RSA ", "EC ", "", "OPENSSH ", "ENCRYPTED ", "DSA ")."""
    body = "\n".join(r(64, B62 + "+/") for _ in range(lines))
    return f"-----BEGIN {kind}PRIVATE KEY-----\n{body}\n-----END {kind}PRIVATE KEY-----"


def basic(user: str, password: str) -> str:
    """The base64 of user:password, as in an Authorization: Basic header."""
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def _cloud() -> list[tuple[str, str, list[str]]]:
    rows = []
    for _ in range(3):
        i, s = aws_id(), aws_secret()
        rows.append(
            (
                "cloud_keys",
                f'{{"AccessKey": {{"UserName": "ci", "AccessKeyId": "{i}", "Status": "Active",'
                f' "SecretAccessKey": "{s}", "CreateDate": "2026-11-30T10:00:00Z"}}}}',
                [i, s],
            )
        )
    i, s = aws_id(), aws_secret()
    rows.append(
        ("cloud_keys", f"[default]\naws_access_key_id = {i}\naws_secret_access_key = {s}\nregion = eu-west-1", [i, s])
    )
    i, s = aws_id(), aws_secret()
    rows.append(("cloud_keys", f"export AWS_ACCESS_KEY_ID={i}\nexport AWS_SECRET_ACCESS_KEY={s}", [i, s]))
    i, s = aws_id(), aws_secret()
    rows.append(("cloud_keys", f"Access key ID,Secret access key\n{i},{s}", [i, s]))
    i, s = aws_id(), aws_secret()
    rows.append(("cloud_keys", f"ACCESSKEY\t{i}\t2026-11-30T10:00:00+00:00\t{s}\tActive\tci-bot", [i, s]))
    i, s = aws_id(), aws_secret()
    rows.append(
        ("cloud_keys", f"here are the creds for the export bucket:\n{i}\n{s}\nplease rotate after the demo", [i, s])
    )
    i, s = aws_id(), aws_secret()
    rows.append(("cloud_keys", f'provider "aws" {{\n  access_key = "{i}"\n  secret_key = "{s}"\n}}', [i, s]))
    i, s = aws_id(), aws_secret()
    rows.append(("cloud_keys", f"boto3.client('s3', aws_access_key_id='{i}', aws_secret_access_key='{s}')", [i, s]))
    kid, key = hexs(40), pem("", 6).replace("\n", "\\n")
    rows.append(
        (
            "cloud_keys",
            f'{{"type": "service_account", "project_id": "acme-prod", "private_key_id": "{kid}",'
            f' "private_key": "{key}\\n", "client_email": "export@acme-prod.iam.gserviceaccount.com"}}',
            [kid, key.split("\\n")[2]],
        )
    )
    kid = hexs(40)
    rows.append(("cloud_keys", f'  "private_key_id": "{kid}",', [kid]))
    g = "AI" + "za" + r(35, B62 + "_-")
    rows.append(("cloud_keys", f"curl 'https://maps.googleapis.com/maps/api/geocode/json?address=Berlin&key={g}'", [g]))
    g = "AI" + "za" + r(35, B62 + "_-")
    rows.append(("cloud_keys", f'const firebaseConfig = {{ apiKey: "{g}", authDomain: "acme.firebaseapp.com" }};', [g]))
    c = "GOC" + "SPX-" + r(28, B62 + "_-")
    rows.append(
        ("cloud_keys", f"OAuth client for the dashboard: id 12345-abc.apps.googleusercontent.com secret {c}", [c])
    )
    t = "ya" + "29." + r(80, B62 + "_-")
    rows.append(("cloud_keys", f"curl -H 'Authorization: Bearer {t}' https://www.googleapis.com/storage/v1/b", [t]))
    k = r(86, B62 + "+/") + "=="
    rows.append(
        (
            "cloud_keys",
            f"DefaultEndpointsProtocol=https;AccountName=acmeexports;AccountKey={k};EndpointSuffix=core.windows.net",
            [k],
        )
    )
    k = r(43, B62 + "+/") + "="
    rows.append(
        ("cloud_keys", f"Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={k}", [k])
    )
    sig = r(43, B62 + "%") + "%3D"
    rows.append(
        (
            "cloud_keys",
            "https://acmeexports.blob.core.windows.net/exports/a.csv?sv=2024-11-04&ss=b&srt=o"
            f"&sp=r&se=2026-12-01T00:00:00Z&sig={sig}",
            [sig],
        )
    )
    cs = r(3) + "8Q~" + r(34, B62 + "_~.-")
    rows.append(("cloud_keys", f"AZURE_TENANT_ID=acme\nAZURE_CLIENT_SECRET={cs}", [cs]))
    cs = r(3) + "7Q~" + r(34, B62 + "_~.-")
    rows.append(("cloud_keys", f"the app registration secret is {cs} (expires in 6 months)", [cs]))
    return rows


def _urls() -> list[tuple[str, str, list[str]]]:
    rows = []
    for pw in (r(6) + "/" + r(8), r(7) + "@" + r(6), r(5) + ":" + r(7) + "/" + r(3), r(12), r(8) + "%40" + r(4)):
        rows.append(("db_urls", f"DATABASE_URL=postgres://app:{pw}@db.internal:5432/exports", [pw]))
    pw = r(14)
    rows.append(("db_urls", f"mysql://root:{pw}@10.0.3.4:3306/analytics?charset=utf8mb4", [pw]))
    pw = r(16)
    rows.append(("db_urls", f"mongodb+srv://exporter:{pw}@cluster0.ab1cd.mongodb.net/exports?retryWrites=true", [pw]))
    pw = r(10) + "!"
    rows.append(
        ("db_urls", f"Server=tcp:acme.database.windows.net,1433;Database=exports;User ID=sa;Password={pw};", [pw])
    )
    pw = r(12)
    rows.append(("db_urls", f"jdbc:postgresql://db.internal:5432/exports?user=app&password={pw}&ssl=true", [pw]))
    pw = r(15)
    rows.append(
        (
            "db_urls",
            f"postgresql://root:{pw}@free-tier.gcp.cockroachlabs.cloud:26257/defaultdb?sslmode=verify-full",
            [pw],
        )
    )
    pw = r(13)
    rows.append(("db_urls", f"clickhouse://default:{pw}@ch.internal:9000/events", [pw]))
    pw = r(9) + "#" + r(4)
    rows.append(("db_urls", f"spring.datasource.url=jdbc:mysql://db:3306/app\nspring.datasource.password={pw}", [pw]))
    for scheme, user in (
        ("redis", ""),
        ("rediss", "default"),
        ("redis", ""),
        ("amqp", "exporter"),
        ("amqps", "svc"),
        ("nats", "orders"),
        ("mqtt", "sensor"),
        ("kafka", "admin"),
    ):
        pw = r(18)
        rows.append(("queue_urls", f"broker: {scheme}://{user}:{pw}@mq-{scheme}.internal:6379/0", [pw]))
    pw = r(20)
    rows.append(
        (
            "queue_urls",
            "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
            f'username="export" password="{pw}";',
            [pw],
        )
    )
    pw = r(16)
    rows.append(("queue_urls", f"CELERY_BROKER_URL=redis://:{pw}@redis-master.prod.svc:6379/1", [pw]))
    pw = r(16)
    rows.append(("queue_urls", f"REDIS_PASSWORD={pw}", [pw]))
    return rows


def _tokens() -> list[tuple[str, str, list[str]]]:
    rows = []
    hooks = [
        "https://hooks.slack.com/services/T"
        + r(8, string.ascii_uppercase)
        + "/B"
        + r(8, string.ascii_uppercase)
        + "/"
        + r(24),
        "https://hooks.slack.com/workflows/T"
        + r(8, string.ascii_uppercase)
        + "/A"
        + r(10)
        + "/"
        + hexs(18)
        + "/"
        + r(24),
        "https://discord.com/api/webhooks/" + r(18, string.digits) + "/" + r(68, B62 + "_-"),
        "https://acme.webhook.office.com/webhookb2/"
        + hexs(8)
        + "-1234-4abc-9def-"
        + hexs(12)
        + "@"
        + hexs(8)
        + "/IncomingWebhook/"
        + hexs(32)
        + "/"
        + hexs(8),
        "https://hooks.zapier.com/hooks/catch/" + r(7, string.digits) + "/" + r(6, "abcdefghij0123456789") + "/",
    ]
    rows += [("webhooks", f"alerts go to {h} for now", [h.rstrip("/")]) for h in hooks]
    w = "wh" + "sec_" + r(32)
    rows.append(("webhooks", f"STRIPE_WEBHOOK_SECRET={w}", [w]))
    w = r(40)
    rows.append(("webhooks", f"GITHUB_WEBHOOK_SECRET: {w}", [w]))
    w = r(24)
    rows.append(("webhooks", f"POST https://api.acme.dev/v1/hooks/ingest?token={w}", [w]))
    chat = [
        "xo" + "xb-" + r(12, string.digits) + "-" + r(13, string.digits) + "-" + r(24),
        "xo" + "xp-" + r(12, string.digits) + "-" + r(13, string.digits) + "-" + r(13, string.digits) + "-" + hexs(32),
        "xa" + "pp-1-A" + r(10, string.ascii_uppercase + string.digits) + "-" + r(13, string.digits) + "-" + hexs(64),
        r(10, string.digits) + ":AA" + r(33, B62 + "_-"),
        "sk-" + "proj-" + r(48, B62 + "_-"),
        "sk-" + "ant-api03-" + r(90, B62 + "_-"),
        "sk" + "_live_" + r(24),
        "rk" + "_live_" + r(24),
        "SG." + r(22, B62 + "_-") + "." + r(43, B62 + "_-"),
        "SK" + hexs(32),
        hexs(32) + "-us" + "14",
        "key-" + hexs(32),
        "shp" + "at_" + hexs(32),
        "lin_" + "api_" + r(40),
        "NR" + "AK-" + r(27, string.ascii_uppercase + string.digits),
    ]
    rows += [("saas_tokens", f"use {t} for the integration test", [t]) for t in chat]
    dsn_key = hexs(32)
    rows.append(("saas_tokens", f"SENTRY_DSN=https://{dsn_key}@o4504.ingest.sentry.io/4505", [dsn_key]))
    return rows


def _ci() -> list[tuple[str, str, list[str]]]:
    ci = [
        "gh" + "p_" + r(36),
        "gh" + "o_" + r(36),
        "gh" + "s_" + r(36),
        "github" + "_pat_" + r(22) + "_" + r(59),
        "gl" + "pat-" + r(20, B62 + "_-"),
        "gl" + "rt-" + r(20, B62 + "_-"),
        "GR134" + "8941" + r(20, B62 + "_-"),
        "bk" + "ua_" + hexs(40),
        "ATA" + "TT3" + r(180, B62 + "_-") + "=" + hexs(8).upper(),
        "hv" + "s." + r(90, B62 + "_-"),
        r(14) + ".atlas" + "v1." + r(67, B62 + "_-"),
        "dp" + ".pt." + r(43),
    ]
    rows = [("ci_tokens", f"the pipeline reads {t} from the settings", [t]) for t in ci]
    t = hexs(40)
    rows.append(("ci_tokens", f"CIRCLE_TOKEN={t}", [t]))
    t = r(32)
    rows.append(("ci_tokens", f"      GITLAB_TOKEN: '{t}'", [t]))
    reg = [
        "np" + "m_" + r(36),
        "py" + "pi-AgEIcHlwaS5vcmc" + r(60, B62 + "_-"),
        "dc" + "kr_pat_" + r(27, B62 + "_-"),
        "ruby" + "gems_" + hexs(48),
        "oy" + "2" + r(43, string.ascii_lowercase + string.digits),
        "AK" + "Cp" + r(69),
    ]
    rows += [("registry_tokens", f"publish with {t}", [t]) for t in reg]
    t = "np" + "m_" + r(36)
    rows.append(("registry_tokens", f"//registry.npmjs.org/:_authToken={t}", [t]))
    t = r(36)
    rows.append(
        ("registry_tokens", f"@acme:registry=https://npm.pkg.github.com\n//npm.pkg.github.com/:_authToken={t}", [t])
    )
    t = "py" + "pi-AgEIcHlwaS5vcmc" + r(60, B62 + "_-")
    rows.append(("registry_tokens", f"[pypi]\nusername = __token__\npassword = {t}", [t]))
    a = basic("ci-bot", r(20))
    rows.append(("registry_tokens", f'{{"auths": {{"registry.acme.io": {{"auth": "{a}"}}}}}}', [a]))
    return rows


def _keys() -> list[tuple[str, str, list[str]]]:
    rows = []
    for kind in ("RSA ", "EC ", "DSA ", "OPENSSH ", "ENCRYPTED ", ""):
        block = pem(kind)
        rows.append(
            ("private_keys", f"here's the deploy key:\n{block}\nthanks", [line for line in block.splitlines()[1:-1]])
        )
    body = [r(64, B62 + "+/") for _ in range(5)]
    pgp = (
        "-----BEGIN PGP "
        + "PRIVATE KEY BLOCK-----\n\n"
        + "\n".join(body)
        + "\n="
        + r(4)
        + "\n-----END PGP PRIVATE KEY BLOCK-----"
    )
    rows.append(("private_keys", pgp, body))
    body = [r(64, B62 + "+/") for _ in range(3)]
    cut = "-----BEGIN RSA " + "PRIVATE KEY-----\n" + "\n".join(body)
    rows.append(("private_keys", f"{cut}\n(slack cut it off, the rest is in 1password)", body))
    body = [r(64, B62 + "+/") for _ in range(2)]
    putty = (
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy\nPublic-Lines: 2\n"
        + r(64)
        + "\nPrivate-Lines: 1\n"
        + "\n".join(body)
        + "\nPrivate-MAC: "
        + hexs(64)
    )
    rows.append(("private_keys", putty, body))
    age = "AGE-SECRET" + "-KEY-1" + r(58, string.ascii_uppercase + string.digits)
    rows.append(("private_keys", f"# created: 2026-11-30\n{age}", [age]))
    block = pem("OPENSSH ", 3)
    rows.append(("private_keys", "```\n" + block + "\n```", block.splitlines()[1:-1]))
    block = pem("", 3)
    rows.append(("private_keys", "TLS_KEY: |\n  " + block.replace("\n", "\n  "), block.splitlines()[1:-1]))
    return rows


def _assignments() -> list[tuple[str, str, list[str]]]:
    rows = []
    for key in ("DB_PASSWORD", "SECRET_KEY", "JWT_SECRET", "API_KEY", "OPENAI_API_KEY", "ENCRYPTION_KEY", "AUTH_TOKEN"):
        v = r(24)
        rows.append(("env_yaml", f"# .env\nNODE_ENV=production\n{key}={v}\nPORT=3000", [v]))
    for key in ("password", "client_secret", "apiKey", "access_token", "secretAccessKey"):
        v = r(20)
        rows.append(("env_yaml", f"database:\n  host: db.internal\n  {key}: {v}\n  pool: 10", [v]))
    v = r(18)
    rows.append(("env_yaml", f'apiVersion: v1\nkind: Secret\nstringData:\n  password: "{v}"', [v]))
    v = r(22)
    rows.append(("env_yaml", f'{{"service": "export", "apiKey": "{v}", "timeout": 30}}', [v]))
    v = r(16)
    rows.append(("env_yaml", f"[database]\nuser = app\npassword = {v}", [v]))
    v = r(20)
    rows.append(("env_yaml", f"services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: {v}", [v]))
    v = "django-insecure-" + r(40, B62 + "!@#$%^&*(-_=+)")
    rows.append(("env_yaml", f'SECRET_KEY = "{v}"', [v]))
    v = r(30)
    rows.append(("env_yaml", f'[registries.acme]\ntoken = "{v}"', [v]))
    return rows


def _http() -> list[tuple[str, str, list[str]]]:
    rows = []
    b = basic("admin", r(14))
    rows.append(("http_auth", f"curl -H 'Authorization: Basic {b}' https://api.acme.dev/exports", [b]))
    b = basic("proxy", r(12))
    rows.append(("http_auth", f"Proxy-Authorization: Basic {b}", [b]))
    t = r(40, B62 + "._-")
    rows.append(("http_auth", f"Authorization: Bearer {t}", [t]))
    pw = r(14)
    rows.append(("http_auth", f"curl -u exporter:{pw} https://jenkins.acme.dev/job/export/build", [pw]))
    pw = r(12)
    rows.append(("http_auth", f"git clone https://deploy:{pw}@git.acme.dev/platform/exports.git", [pw]))
    k = r(32)
    rows.append(("http_auth", f"X-API-Key: {k}", [k]))
    t = "gh" + "p_" + r(36)
    rows.append(("http_auth", f"Authorization: token {t}", [t]))
    pw = r(12)
    rows.append(("http_auth", f"wget --user=ops --password={pw} https://files.acme.dev/dump.sql.gz", [pw]))
    for _ in range(4):
        jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + r(60, B62 + "_-") + "." + r(43, B62 + "_-")
        rows.append(("jwt", f"session cookie: {jwt}", [jwt]))
    return rows


def _prose() -> list[tuple[str, str, list[str]]]:
    en = [
        ("password is: {}", r(10) + "!"),
        ("db pw {}", "hunter2hunter2"),
        ("the root password for staging is {}", "Tr0ub4dor&3"),
        ("my password = {}", "Spring2026!"),
        ("the wifi password is {} btw", "Coffee4All!"),
        ("admin pw for grafana is {}, please change it", "admin123!"),
        ("PW: {}", r(12)),
        ("temporary password: {}", "Welcome#2026"),
        ("the password for the prod db is now {}.", "Xk9" + r(8)),
        ("passphrase for the signing key is {}", "blue-horse-" + r(4, string.digits)),
        ("you can log in with the passcode {}", "K7" + r(6)),
        ("password -> {}", r(14)),
    ]
    other = [
        ("la contraseña es {}", "Verano2026!"),
        ("la contraseña de la base de datos es: {}", r(12)),
        ("clave: {}", r(14)),
        ("das Passwort ist {}", "Sommer2026!"),
        ("Das Kennwort für den Server lautet: {}", r(12)),
        ("le mot de passe est {}", "Soleil2026!"),
        ("contraseña del admin: {}", "Adm1n_" + r(6)),
        ("Passwort für staging: {}", r(12)),
    ]
    return [("prose_en", t.format(v), [v.rstrip(".")]) for t, v in en] + [
        ("prose_other", t.format(v), [v]) for t, v in other
    ]


PLANTED: list[tuple[str, str, list[str]]] = (
    _cloud() + _urls() + _tokens() + _ci() + _keys() + _assignments() + _http() + _prose()
)

_PNG = base64.b64encode(bytes(range(256)) * 2).decode()
LOOK_ALIKES: list[tuple[str, str]] = [
    ("uuid", "Tenant 3f2b9c1e-8d4a-4e6b-9f1c-2a7d5e8b0c4f is the noisy one."),
    ("uuid", "request_id=6ba7b810-9dad-11d1-80b4-00c04fd430c8 failed with 503"),
    ("uuid", '{"export_id": "a3bb189e-8bf9-3888-9912-ace4e6543002", "status": "done"}'),
    ("uuid", "idempotency key: 123e4567-e89b-12d3-a456-426614174000"),
    ("uuid", "UUIDv7 looks like 01890a5d-ac96-774b-bcce-b302099a8057"),
    ("uuid", "trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7"),
    ("git_sha", "Fixed in commit 9fceb02d0ae598e95dc970b74767f19372d61af8 on main."),
    ("git_sha", "see a1b2c3d and 4e5f6a7 for the revert"),
    ("git_sha", "https://github.com/acme/exports/commit/e83c5163316f89bfbde7d9ab23ca2e25604af290"),
    ("git_sha", "Merge: 1a410ef 3c7e2d1\nAuthor: Ana <ana@acme.dev>"),
    ("git_sha", "git cherry-pick 0b1d4f6c2a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c"),
    ("git_sha", "HEAD is now at 7d3f0a1 Export: stream rows"),
    ("git_sha", "ref: refs/heads/main 5d41402abc4b2a76b9719d911017c592ae3f4b21"),
    ("git_sha", "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904"),
    ("checksum", "sha256sum export.csv\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  export.csv"),
    ("checksum", "md5: 9e107d9d372bb6826bd81d3542a419d6"),
    (
        "checksum",
        "image: ghcr.io/acme/exporter@sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
    ),
    (
        "checksum",
        '"integrity": "sha512-9c5f1e0d4b2a7c8e6f3d1b0a9e8c7d6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2'
        'f1e0d9c8b7a6f5e4d3c2b1a=="',
    ),
    ("checksum", "SHA-1 of the file: 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
    ("checksum", 'crc32c=AAAAAA== etag="d41d8cd98f00b204e9800998ecf8427e"'),
    ("base64_image", f"![chart](data:image/png;base64,{_PNG[:120]})"),
    ("base64_image", f'<img src="data:image/png;base64,{_PNG[:200]}" alt="p99 chart">'),
    ("base64_image", f"data:image/gif;base64,{_PNG[40:140]}"),
    ("base64_image", f'{{"thumbnail": "data:image/jpeg;base64,{_PNG[8:96]}"}}'),
    ("semver", "Upgrade to 2.10.0 (was 2.9.3-rc.1+build.5)"),
    ("semver", "rq>=2.10,<3 and openai 3.5.1"),
    ("semver", "v1.30.0...v1.31.0-beta.2"),
    ("semver", "node 20.11.1, npm 10.2.4, python 3.11.7"),
    ("semver", '"version": "4.17.21"'),
    ("url", "Docs at https://example.com/api/v2/items?page=2 and s3://bucket/key/path"),
    ("url", "clone https://git@github.com/acme/repo.git"),
    ("url", "git@github.com:acme/exports.git"),
    ("url", "http://localhost:8080/healthz and https://grafana.acme.dev:3000/d/abc123/exports"),
    ("url", "https://medium.com/@ana/why-we-chose-postgres-1f2e3d4c5b6a"),
    ("url", "postgres://db.internal:5432/exports (credentials from Vault)"),
    ("url", "redis://redis-master.prod.svc:6379/0"),
    ("url", "mailto:ana@acme.dev, https://acme.slack.com/archives/C024BE91L/p1700000000000100"),
    ("url", "https://user@host.example.com/path is how the proxy logs it"),
    ("arn", "arn:aws:iam::123456789012:role/export-writer"),
    ("arn", "arn:aws:s3:::acme-exports/2026/11/*"),
    ("arn", "arn:aws:lambda:eu-west-1:123456789012:function:export-worker:PROD"),
    ("arn", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    ("arn", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/exports/db-AbCdEf"),
    ("arn", "arn:aws:sqs:us-east-1:123456789012:export-jobs.fifo"),
    ("prose", "We decided the password policy needs a review; the token bucket refills every second."),
    ("prose", "Rotate the API key monthly and keep secrets in Vault, not in the repo."),
    ("prose", "password: required, at least 12 characters"),
    ("prose", "The API key lives in Vault under secret/exports."),
    ("prose", "Bearer tokens expire after 1 hour; refresh tokens after 30 days."),
    ("prose", "We're on the Basic plan until the export ships."),
    ("prose", "the password reset flow sends a link, the token is single-use"),
    ("prose", "la contraseña se guarda en Vault; das Passwort ist nicht im Repo."),
    ("prose", "token: refreshed daily by the exporter, and the secret: management stays with SRE"),
    ("prose", "pass: through to the exporter; credentials: provided by IAM roles"),
    ("config_refs", "password: ${DB_PASSWORD}"),
    ("config_refs", "DB_PASSWORD=\nAPI_KEY="),
    ("config_refs", "valueFrom:\n  secretKeyRef:\n    name: exports-db\n    key: password"),
    ("config_refs", "password: <your password here>"),
    ("config_refs", 'api_key = os.environ["API_KEY"]'),
    ("config_refs", "token: {{ .Values.exporter.token }}"),
    ("config_refs", "api_key = settings.EXPORT_API_KEY"),
    ("config_refs", "max_tokens: 4096\ntoken_budget: 100000"),
    ("ids", "ask <@U024BE7LH> in <#C024BE91L|design>, thread 1700000000.000100"),
    ("ids", "p99 < 200 ms at 5,000 req/s; 99.9% availability; retry after 30 s"),
    ("ids", "def token_bucket(rate: int, burst: int) -> Limiter:\n    return Limiter(rate, burst)"),
    ("ids", "pod exporter-7d9c8b6f5d-x2k4q restarted; node ip-10-0-3-4.eu-west-1.compute.internal"),
    ("ids", "colors #1f2937 and #FF5733; build 2026.11.30-1842"),
    ("ids", "the sk-learn model and task-force notes; logo_AKIAxyz.png is the new logo"),
]
