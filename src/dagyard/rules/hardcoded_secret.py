"""DY130 hardcoded-secret: a password, token, API key or private key is written in the code.

What it does
    Scans every checked DAG file and the project modules it imports with detect-secrets'
    detectors (keywords such as `password = "..."`, AWS/GitHub/Slack/Stripe/... key formats,
    private keys, credentials in URLs, high-entropy strings), then drops what is not a secret
    in an Airflow repository:

    - Jinja references, e.g. `"{{ conn.my_db.password }}"`, `"{{ var.value.api_key }}"`;
    - look-ups, e.g. `Variable.get("api_key")`, `BaseHook.get_connection("db").password`,
      `os.environ["TOKEN"]`;
    - placeholders, e.g. `"changeme"`, `"<your-token>"`, `"${TOKEN}"`, `"xxxx"`, `"***"`;
    - lines marked `# pragma: allowlist secret` (detect-secrets' own marker);
    - findings accepted in the secrets baseline file (`[check] secrets_baseline`, by default
      `.secrets.baseline`, detect-secrets' format; write it with `dagyard check --all
      --update-baseline`).

Why it matters
    A secret in git is a leaked secret: every clone, fork, CI log and laptop has it, and it
    stays in the history after it is deleted.

Example
    warehouse_password = "Tr0ub4dor&3"
    ENDPOINT = "postgresql://etl:S3cr3t@db.internal:5432/warehouse"

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

from dagyard.rules._base import Context, Issue

ID = "DY130"
NAME = "hardcoded-secret"
SEVERITY = "error"
SUMMARY = "a secret is written in the code"

_LOOKUP = re.compile(
    r"Variable\.get|get_connection|get_variable|\bconn\.|var\.value|var\.json|os\.environ|getenv"
    r"|\.password\b|secrets?\.get|get_secret|\{\{|\}\}",
)
_PLACEHOLDER = re.compile(
    r"^(?:change[-_ ]?me|changeit|x{3,}|\*{3,}|\.{3,}|-+|_+|<[^>]*>|\$\{[^}]*\}|\{[^}]*\}|%\(.*\)s"
    r"|your[-_ ].*|(?:my|some|example|dummy|fake|test|sample|placeholder|redacted|secret|password"
    r"|passwd|token|api[-_]?key|none|null|todo|tbd|stand-in)[-_a-z0-9]*)$",
    re.I,
)
_MASKED = re.compile(r"^[*xX•#]+$")


class Secret(NamedTuple):
    """One line with a likely secret: where, which detector, the hashes (never the values)."""

    file: Path
    line: int
    kind: str
    hashes: tuple[str, ...]


@functools.cache
def _plugins() -> tuple:
    from detect_secrets.settings import default_settings, get_plugins

    with default_settings():
        return tuple(get_plugins())


def warm_up() -> None:
    """Load the detectors and compile their patterns once, before children are forked."""
    scan_text(Path("warm_up.py"), 'password = "x"\nurl = "https://a:b@c"\n')


def is_false_positive(value: str, line: str) -> bool:
    """Airflow-aware filters: look-ups, Jinja, placeholders and masked values are not secrets."""
    from detect_secrets.filters import heuristic

    text = value.strip().strip("'\"")
    if not text or _PLACEHOLDER.match(text) or _MASKED.match(text):
        return True
    if "{{" in line and "}}" in line and _inside_jinja(value, line):
        return True
    if _LOOKUP.search(line) and f'"{value}"' not in line and f"'{value}'" not in line:
        return True
    if re.search(
        r"(Variable\.get|get_connection|getenv|environ\.get)\(\s*['\"]" + re.escape(value), line
    ):
        return True
    return (
        heuristic.is_sequential_string(value)
        or heuristic.is_potential_uuid(value)
        or heuristic.is_templated_secret(value)
        or heuristic.is_prefixed_with_dollar_sign(value)
        or heuristic.is_not_alphanumeric_string(value)
    )


def _inside_jinja(value: str, line: str) -> bool:
    return any(value in match.group(0) for match in re.finditer(r"\{\{.*?\}\}", line))


def hash_secret(value: str) -> str:
    """detect-secrets' hash of a secret value (what its baseline files store)."""
    return hashlib.sha1(value.encode("utf-8")).hexdigest()


def scan_text(path: Path, text: str) -> list[Secret]:
    """Likely secrets in `text` (the content of `path`), after the Airflow-aware filters."""
    found: dict[int, list[tuple[str, str]]] = {}
    name = str(path)
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) < 8 or "allowlist secret" in line or not _worth_scanning(line):
            continue
        for plugin in _plugins():
            try:
                secrets = plugin.analyze_line(filename=name, line=line, line_number=number)
            except Exception:
                continue
            for secret in secrets or ():
                value = secret.secret_value or ""
                if _filtered_by_detect_secrets(value, line, plugin) or is_false_positive(
                    value, line
                ):
                    continue
                found.setdefault(number, []).append((secret.type, hash_secret(value)))
    secrets = []
    for number, hits in sorted(found.items()):
        kinds = sorted({kind for kind, _ in hits}, key=lambda kind: ("Entropy" in kind, kind))
        hashes = tuple(sorted({hashed for _, hashed in hits}))
        secrets.append(Secret(path, number, kinds[0], hashes))
    return secrets


_INTERESTING = re.compile(
    r"['\"][^'\"\s]{12,}|pass|pwd|secret|token|key|auth|cred|api|://\S*@|PRIVATE KEY"
    r"|AKIA|ASIA|xox|gh[pousr]_|sk_|rk_|AIza|eyJ|glpat|npm_|SG\.|AP[0-9A-F]",
    re.I,
)


def _worth_scanning(line: str) -> bool:
    """A cheap first look: only lines with a long token, a keyword or a known prefix go on to
    the ~30 detectors (most lines of a DAG file, like `task_id="load"`, do not)."""
    stripped = line.lstrip()
    if stripped.startswith(("import ", "from ")):
        return False
    return bool(_INTERESTING.search(line))


_AIRFLOW_IDS = re.compile(r"\b(?:task|dag|run|map|group)_id\s*=\s*(['\"])[^'\"]*\1\s*,?")


def _filtered_by_detect_secrets(value: str, line: str, plugin: object) -> bool:
    """detect-secrets' id and indirect-reference filters, blind to Airflow's `task_id="..."`.

    Its id filter drops any secret that follows `_id` on the line; on an operator line that is
    always true (`task_id=`), so the Airflow ids are removed before it looks.
    """
    from detect_secrets.filters import heuristic

    index = line.find(value)
    prefix = _AIRFLOW_IDS.sub("", line[:index]) if index >= 0 else line
    return heuristic.is_likely_id_string(
        value, prefix + line[index:], plugin
    ) or heuristic.is_indirect_reference(line)


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
        relative = _relative(secret.file, root)
        for hashed in secret.hashes:
            results.setdefault(relative, []).append(
                {
                    "type": secret.kind,
                    "filename": relative,
                    "hashed_secret": hashed,
                    "is_verified": False,
                    "line_number": secret.line,
                }
            )
        count += 1
    data = {"version": VERSION, "plugins_used": [], "filters_used": [], "results": results}
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return count


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


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
        relative = _relative(secret.file, root)
        if any((relative, hashed) in accepted for hashed in secret.hashes):
            continue
        yield Issue(
            f"this line contains what looks like a secret ({secret.kind})",
            "never write secrets in code: store it as an Airflow connection or variable, read "
            "it with BaseHook.get_connection()/Variable.get() inside a task or a {{ conn... }} "
            "template, and change the leaked value",
            secret.file,
            secret.line,
        )
