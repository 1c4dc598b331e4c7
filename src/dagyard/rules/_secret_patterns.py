"""What DY130 recognises as a credential on a line, and the look-alikes it leaves alone.

Three kinds of evidence, each giving `(kind, value)` pairs for a line:

- a credential's own format (AWS, Slack, GitHub, Stripe, JWT, private keys, ...: detect-secrets'
  format plugins, plus the formats listed in `FORMATS`);
- a credential's place in a command or string: a URL's `user:password@`, an `Authorization:`
  header, `IDENTIFIED BY '...'`, `sshpass -p`, `curl -u user:password`, `password=` in a
  connection string, `auth=("user", "password")`;
- a string literal given to a name that says it is a secret (`password = "..."`,
  `"api_key": "..."`, `token="..."`, `os.environ["API_KEY"] = "..."`).

A random-looking string under a name that says nothing (`X = "3f2c..."`) is not reported: in
DAG code those are commit SHAs, checksums, digests and ids far more often than credentials.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator

# Names whose value is the secret itself.
_SECRET_NAME = re.compile(
    r"(?:pass(?:word|wd|phrase)?|pwd|secret|token|api_?key|apikey|access_?key|private_?key"
    r"|secret_?key|account_?key|signing_?key|encryption_?key|master_?key|credentials?|auth"
    r"|sas|signature|dsn)$",
    re.I,
)
# Names that hold a reference to a secret, or something else about it, not the secret.
_REFERENCE_NAME = re.compile(
    r"(?:_|\b)(?:name|id|ids|path|file|url|uri|env|var|variable|field|ref|arn|prefix|type|column"
    r"|header|hash|expiry|expires(?:_at)?|ttl|length|len|count|key_name|version|conn_id"
    r"|endpoint|location|backend|template|format|policy|scope|method|mode|source|kind|label"
    r"|secret_name|fingerprint|selector)$",
    re.I,
)
# A string literal given to a name: `name = "v"`, `name: str = "v"`, `name="v"`, `"name": "v"`,
# `os.environ["name"] = "v"`, `Variable.set("name", "v")`.
_ASSIGNED = re.compile(
    r"""(?:(?<![\w.])(?P<name>[A-Za-z_][\w.]*)\s*(?::\s*[\w\[\]|. ]+?)?\s*=(?!=)\s*f?
        |["'](?P<key>[^"'\n]{1,60})["']\s*[:\]]\s*=?\s*f?
        |Variable\.set\(\s*["'](?P<var>[^"']+)["']\s*,\s*)
        (?P<q>["'])(?P<value>(?:(?!(?P=q)).){1,500})(?P=q)""",
    re.X,
)
# `export API_TOKEN=...` / `PGPASSWORD=... psql` in a command.
_SHELL_ASSIGNED = re.compile(
    r"(?:^|(?<=[\s;&\"'(]))(?:export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)="
    r"[\"']?(?P<value>[^\s\"';&|)]{4,})"
)
_QUOTED = r"""["']?(?P<value>[^\s"'`;)]+)"""
# A credential's place in a command, a query or a connection string.
_IN_PLACE = {
    "Basic Auth Credentials": re.compile(
        r"[a-z][a-z0-9+.-]*://[^\s:/@\"'{}]*:(?P<value>[^\s@/\"'{}]+)@[^\s\"']+", re.I
    ),
    "Authorization Header": re.compile(
        r"\bauthorization[\"']?\s*[:=]\s*f?[\"']?\s*(?:bearer|basic|token|digest)\s+"
        r"(?P<value>[A-Za-z0-9._~+/=-]{8,})",
        re.I,
    ),
    "API Key Header": re.compile(
        r"[\"'](?:x-)?api[-_]?key[\"']\s*:\s*[\"'](?P<value>[^\"'\s]{16,})[\"']", re.I
    ),
    "Secret In Query String": re.compile(
        r"[?&](?:access_token|token|api_?key|apikey|sig|signature|password|client_secret)="
        r"(?P<value>[^&\s\"'{}$%]{8,})",
        re.I,
    ),
    "SQL Password": re.compile(
        r"(?:identified\s+by|\bpassword)\s+(?:=\s*)?(?:\\?[\"'])(?P<value>[^\"'\\\s]{4,})\\?[\"']",
        re.I,
    ),
    "Shell Password": re.compile(
        r"(?:sshpass\s+-p\s*|(?:curl|wget)\b.*?\s(?:-u|--user)[\s=]+[\"']?[^\s:\"']+:"
        r"|\s-p(?=[^\s-])|--(?:http-)?password=|\bPGPASSWORD=|\bSSHPASS="
        r"|lftp\s+(?:.*\s)?-u\s+[^\s,]+,|\s-U\s+[^\s%]+%|docker\s+login\b.*?\s-p\s+)" + _QUOTED,
    ),
    "Connection String Password": re.compile(
        r"(?:^|[;\s\"'?&])(?:password|pwd|passwd|accountkey|sharedaccesskey)=(?P<value>[^;\s\"'&{}]{4,})",
        re.I,
    ),
    "Basic Auth Pair": re.compile(
        r"(?:\b\w*auth\s*=\s*\(|HTTPBasicAuth\(|HTTPDigestAuth\(|\bClient\(|\.login\()"
        r"\s*[\"'][^\"']+[\"']\s*,"
        r"\s*[\"'](?P<value>[^\"']{4,})[\"']"
    ),
}
# Places that are only credentials inside a string (a command, a URL, a connection string);
# in code, `password=conn.password` is a look-up.
_IN_STRINGS = {
    "Basic Auth Credentials",
    "Secret In Query String",
    "Shell Password",
    "Connection String Password",
}
_PARTIAL = re.compile(r"\s*(?:\+|%\s|\.format\(|\.join\()")
# Token formats detect-secrets does not know.
FORMATS = {
    "Google API Key": re.compile(r"\b(?P<value>AIza[0-9A-Za-z_-]{35})\b"),
    "Google OAuth Client Secret": re.compile(r"\b(?P<value>GOCSPX-[0-9A-Za-z_-]{28})\b"),
    "OpenAI Token": re.compile(r"\b(?P<value>sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,})"),
    "Anthropic API Key": re.compile(r"\b(?P<value>sk-ant-[a-z0-9]{3,6}-[A-Za-z0-9_-]{80,})"),
    "Hugging Face Token": re.compile(r"\b(?P<value>hf_[A-Za-z0-9]{30,})\b"),
    "Databricks Token": re.compile(r"\b(?P<value>dapi[0-9a-f]{32})(?:-\d)?\b"),
    "Twilio API Key": re.compile(r"\b(?P<value>SK[0-9a-f]{32})\b"),
    "GitHub Token": re.compile(
        r"\b(?P<value>gh[pousr]_[A-Za-z0-9]{36}|github_pat_[0-9A-Za-z_]{60,})\b"
    ),
    "GitLab Token": re.compile(r"\b(?P<value>glpat-[0-9A-Za-z_-]{20})\b"),
    "Slack Webhook": re.compile(
        r"(?P<value>https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]{20,})"
    ),
    "Azure Client Secret": re.compile(
        r"(?<![\w~])(?P<value>[A-Za-z0-9_~.-]{3}8Q~[A-Za-z0-9_~.-]{31,34})"
    ),
}

_PLACEHOLDER = re.compile(
    r"^(?:change[-_ ]?me|changeit|x{3,}|\*{3,}|\.{3,}|-+|_+|<[^>]*>|\[[^\]]*\]"
    r"|your[-_ ].*|(?:my|some|example|dummy|fake|test|sample|placeholder|redacted|secret"
    r"|password|passwd|pass|token|api[-_]?key|none|null|todo|tbd|stand-in|default|admin)"
    r"[-_a-z0-9]*|true|false)$",
    re.I,
)
_MASKED = re.compile(r"^[*xX•#.]+$|X{6,}|x{6,}|0{8,}|\*{3,}")
# Human text: `"Slack API Token"`, `"REPLACE ME WITH A TOKEN"`, `"Password for the index"`.
_PROSE = re.compile(
    r"(?-i:^(?:[A-Z][a-z]+|[A-Z]+)(?:[ ,:()-]+[A-Za-z()]+)+[.:]?$)"
    r"|\b(?:password|token|secret|key|replace|enter|your)\b.*\s|\s.*\b(?:password|token|secret|key)\b",
    re.I,
)
_TEMPLATED = re.compile(
    r"\{\{|\{%|\$\{|\$[A-Z_][A-Z0-9_]*(?![a-z])|^\$[a-z_]+$|%\(|%s(?![A-Za-z0-9])"
    r"|\{[A-Za-z_0-9.\[\]'\"]*\}"
)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_IDENTIFIER = re.compile(r"^_?[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*$")
_WORD = re.compile(r"^[a-z]+$", re.I)
_RESOURCE = re.compile(
    r"^(?:projects/[^/]+/secrets/|arn:aws[\w-]*:|secret/|kv/|(?-i:[a-z0-9][a-z0-9_.-]*(?:/[a-z0-9_.-]+)+/?$)"
    r"|[a-z]+://[^@]*$|/|~|\./|\w[\w.-]*@[\w-]+\.[\w.]+$|sha\d*[:-]|md5[:-]|\d{4}-\d{2}-\d{2})",
    re.I,
)
_PASSWORD_NAME = re.compile(r"(?:pass(?:word|wd)?|pwd)$", re.I)


def candidates(line: str) -> Iterator[tuple[str, str]]:
    """Every `(kind, value)` on `line` that is placed or named as a credential, or has a
    credential's format (beyond detect-secrets' plugins)."""
    for kind, pattern in FORMATS.items():
        for match in pattern.finditer(line):
            yield kind, match.group("value")
    for kind, pattern in _IN_PLACE.items():
        for match in pattern.finditer(line):
            if kind not in _IN_STRINGS or _inside_string(line, match.start("value")):
                yield kind, match.group("value")
    for match in _SHELL_ASSIGNED.finditer(line):
        if _inside_string(line, match.start()) and _names_a_secret(match.group("name")):
            yield "Shell Variable", match.group("value")
    for match in _ASSIGNED.finditer(line):
        name = match.group("name") or match.group("key") or match.group("var") or ""
        value = match.group("value")
        if _PARTIAL.match(line, match.end()):
            continue  # `"xoxb-" + Variable.get(...)`: only a piece of the value is written
        if _names_a_secret(name) and not _names_value_as_data(name, value):
            yield "Secret Keyword", value


def _inside_string(line: str, position: int) -> bool:
    """Whether `position` of `line` is inside a string literal that opens on this line."""
    quote = None
    index = 0
    while index < position:
        char = line[index]
        if char == "\\":
            index += 2
            continue
        if quote is None and char in "\"'":
            quote = char
        elif char == quote:
            quote = None
        index += 1
    return quote is not None


def _names_a_secret(name: str) -> bool:
    """`name` (`db_password`, `API_TOKEN`, `SLACK_TOKEN`) says its value is a secret."""
    last = re.split(r"[.\s]", name)[-1]
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", last).lower().replace("-", "_")
    if _REFERENCE_NAME.search(snake):
        return False
    return bool(_SECRET_NAME.search(snake))


def _names_value_as_data(name: str, value: str) -> bool:
    """A one-word value (`"connection"`, `"password"`) under a name that is not a password's:
    a key or field name, not a credential."""
    last = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.split(".")[-1]).lower()
    return bool(_WORD.match(value)) and not _PASSWORD_NAME.search(last)


def is_template(value: str, line: str) -> bool:
    """A value inside a Jinja template (`{{ ... }}`) or made of `${...}` / `%(...)s` fields."""
    return bool(_TEMPLATED.search(value)) or _inside_jinja(value, line)


def is_stand_in(value: str, line: str) -> bool:
    """A value that stands for a credential without being one: a template, a variable, a
    placeholder or a masked value."""
    text = value.strip().strip("'\"")
    if len(text) < 4 or _PLACEHOLDER.match(text) or _MASKED.search(text):
        return True
    if (" " in text and _PROSE.search(text)) or (_WORD.match(text) and len(text) < 6):
        return True
    return is_template(text, line)


def is_look_alike(value: str, line: str) -> bool:
    """A value that is not a credential: a stand-in (see above), an environment variable name,
    identifier, resource name, path, URL, e-mail, date, UUID, digest, or base64 that decodes
    to plain text."""
    text = value.strip().strip("'\"")
    if is_stand_in(value, line):
        return True
    if _UUID.match(text) or _ENV_NAME.match(text) or _RESOURCE.match(text):
        return True
    if _IDENTIFIER.match(text) and ("-" in text or "_" in text or "." in text):
        return True
    return _decodes_to_text(text)


def _inside_jinja(value: str, line: str) -> bool:
    return any(value in match.group(0) for match in re.finditer(r"\{\{.*?\}\}", line))


def _decodes_to_text(value: str) -> bool:
    """Base64 of readable text (a message, a JSON config), not of random bytes."""
    if len(value) < 16 or not re.fullmatch(r"[A-Za-z0-9+/_-]+={0,2}", value):
        return False
    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=False)
        text = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    if not text:
        return False
    printable = sum(ch.isprintable() or ch in "\n\t" for ch in text) / len(text)
    return (printable > 0.97 and " " in text) or text.lstrip().startswith(("{", "["))
