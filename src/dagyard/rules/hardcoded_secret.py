"""DY130 hardcoded-secret: a password, token, API key or private key is written in the code.

What it does
    Reads every checked DAG file and the project modules it imports, line by line, and reports
    a line when it holds a credential a reviewer would flag:

    - a value with a credential's own format: AWS, Google API and OAuth, Slack tokens and
      webhooks, GitHub, GitLab, Stripe, SendGrid, Twilio, npm, PyPI, OpenAI, Anthropic,
      Hugging Face, Databricks, Azure keys, JWTs, private keys (detect-secrets' format
      detectors plus dagyard's own);
    - a value in a credential's place: `user:password@` in a URL, an `Authorization: Bearer`
      / `Basic` / `Token` header, an `X-API-Key` header, `?access_token=` in a URL,
      `IDENTIFIED BY '...'` and `PASSWORD '...'` in SQL, `sshpass -p`, `curl -u user:password`,
      `mysql -p...`, `--password=`, `PGPASSWORD=` / `export API_TOKEN=` in a command,
      `password=` / `PWD=` / `AccountKey=` in a connection string, `auth=("user", "password")`;
    - a string given to a name that says it is a secret: `password = "..."`, `"api_key": "..."`,
      `token="..."`, `os.environ["API_KEY"] = "..."`, `Variable.set("token", "...")`.

    It leaves alone what only looks like one: Jinja templates (`"{{ conn.db.password }}"`),
    look-ups (`Variable.get("api_key")`, `conn.password`, `os.environ["TOKEN"]`), `$VARIABLES`
    and `%(fields)s`, placeholders (`"changeme"`, `"<your-token>"`, `"xxxx"`, `"***"`), names
    of secrets rather than secrets (`secret_name = "warehouse-password"`, `"DB_PASSWORD"`,
    `projects/p/secrets/x/versions/latest`, ARNs, vault paths), commit SHAs, checksums and
    image digests, UUIDs, public keys and certificates, and base64 that decodes to plain text.
    A random string under a name that says nothing (`X = "3f2c..."`) is not reported. Accepted
    findings: lines marked `# pragma: allowlist secret` (detect-secrets' own marker) and the
    secrets baseline file (`[check] secrets_baseline`, by default `.secrets.baseline`,
    detect-secrets' format; write it with `dagyard check --all --update-baseline`).

Why it matters
    A secret in git is a leaked secret: every clone, fork, CI log and laptop has it, and it
    stays in the history after it is deleted.

Example
    warehouse_password = "Tr0ub4dor&3"
    ENDPOINT = "postgresql://etl:S3cr3t@db.internal:5432/warehouse"
    headers = {"Authorization": "Bearer 9f3kQ2...Zt"}
    bash_command = "sshpass -p 'S3cr3t' scp out.csv partner:/in/"

Fix
    Store the value as an Airflow connection or variable (in production in the secrets
    manager; locally with `dagyard secrets`), read it in the task with
    `BaseHook.get_connection("name")` or a `{{ conn.name.password }}` template, and rotate
    the leaked value.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from dagyard.paths import relative
from dagyard.pipelines import is_pipeline_file
from dagyard.rules import _secret_patterns
from dagyard.rules._base import NEED_SECRET_SCAN, Context, Issue

ID = "DY130"
NAME = "hardcoded-secret"
SEVERITY = "error"
SUMMARY = "a secret is written in the code"
NEEDS = frozenset({NEED_SECRET_SCAN})


class Secret(NamedTuple):
    """One line with a likely secret: where, which detector, the hashes (never the values)."""

    file: Path
    line: int
    kind: str
    hashes: tuple[str, ...]


# detect-secrets plugins that judge a value by its name or its randomness alone; DY130 judges
# names and places itself (rules/_secret_patterns.py) and reports no bare random strings.
_CONTEXT_PLUGINS = {
    "KeywordDetector",
    "HexHighEntropyString",
    "Base64HighEntropyString",
    "BasicAuthDetector",
    "IPPublicDetector",
}


@functools.cache
def _plugins() -> tuple:
    """detect-secrets' plugins that recognise a credential by its format."""
    from detect_secrets.settings import default_settings, get_plugins

    with default_settings():
        return tuple(p for p in get_plugins() if type(p).__name__ not in _CONTEXT_PLUGINS)


def warm_up() -> None:
    """Load the detectors and compile their patterns once, before children are forked."""
    scan_text(Path("warm_up.py"), 'password = "x"\nurl = "https://a:b@c"\n')


def line_secrets(line: str, name: str = "dag.py", number: int = 1) -> list[tuple[str, str]]:
    """`(kind, value)` of every likely credential on one line, look-alikes left out."""
    from detect_secrets.filters import heuristic

    found = []
    for plugin in _plugins():
        try:
            secrets = plugin.analyze_line(filename=name, line=line, line_number=number)
        except Exception:
            continue
        for secret in secrets or ():
            value = secret.secret_value or ""
            if value and not _secret_patterns.is_template(value, line):
                found.append((secret.type, value))
    for kind, value in _secret_patterns.candidates(line):
        if kind in _secret_patterns.FORMATS:
            if _secret_patterns.is_template(value, line):
                continue
        elif _secret_patterns.is_look_alike(value, line) or heuristic.is_sequential_string(value):
            continue
        found.append((kind, value))
    return found


def hash_secret(value: str) -> str:
    """detect-secrets' hash of a secret value (what its baseline files store)."""
    return hashlib.sha1(value.encode("utf-8")).hexdigest()


def scan_text(path: Path, text: str) -> list[Secret]:
    """Likely secrets in `text` (the content of `path`), one per line, look-alikes left out."""
    secrets = []
    name = str(path)
    pipeline = is_pipeline_file(path)
    for number, line in enumerate(text.splitlines(), start=1):
        if pipeline:
            line = yaml_pairs_as_python(line)
        if len(line) < 8 or "allowlist secret" in line or not _worth_scanning(line):
            continue
        hits = line_secrets(line, name, number)
        if hits:
            kinds = sorted(
                {kind for kind, _ in hits}, key=lambda kind: (kind == "Secret Keyword", kind)
            )
            hashes = tuple(sorted({hash_secret(value) for _, value in hits}))
            secrets.append(Secret(path, number, kinds[0], hashes))
    return secrets


_YAML_PAIR = re.compile(
    r"""(?P<key>[A-Za-z_][\w.-]*)\s*:\s+(?P<q>["']?)(?P<value>[^"'{}\[\],#]+?)(?P=q)"""
    r"""\s*(?=[,}]|$|\s#)"""
)


def yaml_pairs_as_python(line: str) -> str:
    """A pipeline (YAML) line with its `key: value` pairs written as `"key": "value"`, so the
    detectors written for Python read YAML the same way."""
    return _YAML_PAIR.sub(lambda m: f'"{m["key"]}": "{m["value"].strip()}"', line)


_INTERESTING = re.compile(
    r"['\"][^'\"\s]{12,}|pass|pwd|secret|token|key|auth|cred|api|://\S*@|PRIVATE KEY|identified"
    r"|sshpass|curl|wget|mysql|\s-p[^\s-]|\s-U\s|lftp|docker|Client\(|dapi|hf_|SK[0-9a-f]{8}|GOCSPX|sig="
    r"|AKIA|ASIA|xox|gh[pousr]_|sk_|rk_|AIza|eyJ|glpat|npm_|SG\.|AP[0-9A-F]",
    re.I,
)


def _worth_scanning(line: str) -> bool:
    """A cheap first look: only lines with a long token, a keyword or a known prefix go on to
    the detectors (most lines of a DAG file, like `task_id="load"`, do not)."""
    stripped = line.lstrip()
    if stripped.startswith(("import ", "from ")):
        return False
    return bool(_INTERESTING.search(line))


def load_baseline(path: Path, root: Path) -> set[tuple[str, str]]:
    """(relative file, hashed secret) pairs accepted in a detect-secrets baseline file."""
    if not path.is_file():
        return set()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    accepted = set()
    for file, entries in (data.get("results") or {}).items():
        for entry in entries:
            accepted.add((Path(file).as_posix(), entry.get("hashed_secret", "")))
    return accepted


def write_baseline(path: Path, root: Path, secrets: Iterable[Secret]) -> int:
    """Write `secrets` as a detect-secrets baseline (accepted findings); return how many."""
    from detect_secrets.__version__ import VERSION

    results: dict[str, list[dict]] = {}
    count = 0
    for secret in secrets:
        shown = relative(secret.file, root)
        for hashed in secret.hashes:
            results.setdefault(shown, []).append(
                {
                    "type": secret.kind,
                    "filename": shown,
                    "hashed_secret": hashed,
                    "is_verified": False,
                    "line_number": secret.line,
                }
            )
        count += 1
    data = {"version": VERSION, "plugins_used": [], "filters_used": [], "results": results}
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return count


def files_to_scan(ctx: Context) -> list[Path]:
    """The checked files plus the project modules they import."""
    paths = {file.path for file in ctx.files}
    paths.update(ctx.scanned_modules)
    return sorted(paths)


def scan(ctx: Context) -> list[Secret]:
    """Every likely secret in the files to scan (before the baseline)."""
    found = []
    for path in files_to_scan(ctx):
        if ctx.secret_scans and path in ctx.secret_scans:
            found += ctx.secret_scans[path]
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found += scan_text(path, text)
    return found


def check_repo(ctx: Context) -> Iterator[Issue]:
    """One issue per likely secret not accepted in the baseline."""
    root = ctx.config.root
    accepted = load_baseline(root / ctx.config.check.secrets_baseline, root)
    for secret in scan(ctx):
        shown = relative(secret.file, root)
        if any((shown, hashed) in accepted for hashed in secret.hashes):
            continue
        yield Issue(
            f"this line contains what looks like a secret ({secret.kind})",
            "never write secrets in code: store it as an Airflow connection or variable "
            "(locally with `dagyard secrets set`, in production in the secrets backend), read "
            "it with BaseHook.get_connection()/Variable.get() inside a task or a {{ conn... }} "
            "template, and change the leaked value",
            secret.file,
            secret.line,
        )
