"""Local connections and variables: the git-ignored files Airflow's local secrets backend reads.

`dagyard secrets set|get|list|rm` edit `.dagyard/secrets/connections.yaml` and `variables.yaml`
(folder 0700, files 0600). A file that other users of the computer could read is refused, not
used. Connections are checked on `set` (a URI like `postgres://user:pw@host:5432/db`, or a JSON
object with Airflow's connection fields) so a typo fails here, not in a task at 3 a.m.

Values are never shown unless asked: `describe` masks passwords and variable values.
"""

from __future__ import annotations

import difflib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Literal, NamedTuple
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml

from dagyard.errors import DagyardError
from dagyard.workspace import Workspace, is_private

Kind = Literal["connection", "variable"]
KINDS: tuple[Kind, ...] = ("connection", "variable")
MASK = "***"

# Airflow's Connection fields (airflow.models.connection.Connection.__init__), plus the two
# spellings of extras that its local filesystem backend accepts.
CONNECTION_FIELDS = (
    "conn_type",
    "description",
    "host",
    "login",
    "password",
    "schema",
    "port",
    "extra",
    "extra_dejson",
    "uri",
)


class SecretsError(DagyardError):
    """A secrets file or value is not usable: `message` says what, `hint` what to do."""


class Entry(NamedTuple):
    """One local connection or variable, as stored (value may be a URI, a dict or a string)."""

    kind: Kind
    name: str
    value: Any


def secrets_file(workspace: Workspace, kind: Kind) -> Path:
    """The file that holds entries of `kind`."""
    return workspace.connections_file if kind == "connection" else workspace.variables_file


def check_private(path: Path, root: Path | None = None) -> None:
    """Refuse a secrets file or folder that anyone but its owner can read or write."""
    if not path.exists() or is_private(path):
        return
    shown = path.relative_to(root) if root and path.is_relative_to(root) else path
    mode = stat.S_IMODE(path.stat().st_mode)
    fix = "700" if path.is_dir() else "600"
    raise SecretsError(
        f"{shown} can be read by other users of this computer (permissions {mode:04o}), "
        "so dagyard will not use it",
        f"make it private with `chmod {fix} {path}`, then think about whether its "
        "values were exposed and need rotating",
    )


def load(workspace: Workspace, kind: Kind) -> dict[str, Any]:
    """Read the entries of `kind` after checking the folder and file are private."""
    path = secrets_file(workspace, kind)
    project = workspace.root.parent
    for private in (workspace.secrets_dir, workspace.connections_file, workspace.variables_file):
        check_private(private, project)
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise SecretsError(
            f"{where} is not valid YAML",
            "fix the file by hand, or move it away and add the entries again with "
            "`dagyard secrets set`",
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SecretsError(
            f"{path} must map names to values (NAME: value), but it holds a {type(data).__name__}",
            "fix the file by hand, or move it away and add the entries again",
        )
    return data


def save(workspace: Workspace, kind: Kind, entries: dict[str, Any]) -> Path:
    """Write all entries of `kind` atomically into a file only the owner can read (0600).

    Creates `.dagyard/` (with the `.gitignore` that keeps it out of git) on first use.
    """
    workspace.ensure()
    path = secrets_file(workspace, kind)
    text = "# Managed by `dagyard secrets`; never commit this file.\n" + (
        yaml.safe_dump(dict(sorted(entries.items())), sort_keys=False, allow_unicode=True)
        if entries
        else "{}\n"
    )
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def check_name(kind: Kind, name: str) -> None:
    """Connection ids and variable keys: letters, digits, `_`, `-` and `.` only."""
    if not name or not all(c.isalnum() or c in "_-." for c in name):
        raise SecretsError(
            f"{name!r} is not a valid {kind} name",
            "use letters, digits, `_`, `-` and `.` only, like my_postgres",
        )


def parse_connection(name: str, text: str) -> str | dict[str, Any]:
    """Validate a connection given as a URI or a JSON object; return what to store.

    Raises SecretsError with the exact problem (unknown field, bad port, missing type...).
    """
    text = text.strip()
    if not text:
        raise SecretsError(f"the value for connection {name!r} is empty", _CONNECTION_HINT)
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise SecretsError(
                f"connection {name!r} looks like JSON but is not valid JSON "
                f"({error.msg} at line {error.lineno}, column {error.colno})",
                _CONNECTION_HINT,
            ) from None
        return _check_connection_object(name, value)
    _check_connection_uri(name, text)
    return text


_CONNECTION_HINT = (
    "give a URI like postgres://user:password@host:5432/dbname, or a JSON object like "
    '\'{"conn_type": "http", "host": "api.example.com", "password": "..."}\''
)


def _check_connection_uri(name: str, uri: str) -> None:
    parts = urlsplit(uri)
    if not parts.scheme or "://" not in uri:
        raise SecretsError(
            f"connection {name!r} is neither a URI (TYPE://...) nor a JSON object",
            _CONNECTION_HINT,
        )
    if not parts.scheme.replace("-", "").replace("_", "").replace("+", "").isalnum():
        raise SecretsError(f"connection {name!r} has an invalid type {parts.scheme!r}")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise SecretsError(
            f"connection {name!r} has a port that is not a number between 0 and 65535",
            "special characters in a user name or password must be URL-encoded "
            "(for example @ as %40, : as %3A, / as %2F)",
        ) from None
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "__extra__":
            try:
                json.loads(unquote(value))
            except json.JSONDecodeError:
                raise SecretsError(
                    f"connection {name!r}: the __extra__ parameter must be URL-encoded JSON"
                ) from None


def _check_connection_object(name: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SecretsError(f"connection {name!r} must be a JSON object", _CONNECTION_HINT)
    unknown = sorted(set(value) - set(CONNECTION_FIELDS) - {"conn_id"})
    if unknown:
        guesses = [difflib.get_close_matches(key, CONNECTION_FIELDS, n=1) for key in unknown]
        hint = ", ".join(f"`{g[0]}` for `{k}`" for k, g in zip(unknown, guesses, strict=True) if g)
        raise SecretsError(
            f"connection {name!r} has unknown field(s): {', '.join(unknown)}",
            f"did you mean {hint}?"
            if hint
            else f"the fields Airflow knows are: {', '.join(CONNECTION_FIELDS)}",
        )
    if value.get("conn_id", name) != name:
        raise SecretsError(
            f"connection {name!r} says conn_id is {value['conn_id']!r}",
            "remove conn_id from the JSON or make it match the name",
        )
    value = {k: v for k, v in value.items() if k != "conn_id"}
    if "uri" in value:
        if set(value) - {"uri", "description"}:
            raise SecretsError(f"connection {name!r}: give either uri or the separate fields")
        _check_connection_uri(name, str(value["uri"]))
        return value
    if not value.get("conn_type"):
        raise SecretsError(
            f"connection {name!r} has no conn_type",
            'add the connection type, like "conn_type": "postgres"',
        )
    port = value.get("port")
    if port is not None and not (isinstance(port, int) or str(port).isdigit()):
        raise SecretsError(f"connection {name!r}: port must be a number (got {port!r})")
    if "extra" in value and "extra_dejson" in value:
        raise SecretsError(f"connection {name!r}: give extra or extra_dejson, not both")
    extra = value.get("extra")
    if isinstance(extra, dict):
        value["extra_dejson"] = value.pop("extra")
    elif extra is not None:
        try:
            json.loads(extra)
        except (TypeError, json.JSONDecodeError):
            raise SecretsError(
                f"connection {name!r}: extra must be a JSON object",
                'write it as "extra": {"key": "value"}',
            ) from None
    return value


def parse_variable(name: str, text: str, as_json: bool) -> str:
    """A variable's value as stored (always text); with `as_json` it must be valid JSON."""
    if not as_json:
        return text
    try:
        return json.dumps(json.loads(text))
    except json.JSONDecodeError as error:
        raise SecretsError(
            f"variable {name!r} is not valid JSON ({error.msg} at line {error.lineno}, "
            f"column {error.colno})",
            "drop --json to store the text as it is",
        ) from None


def set_entry(workspace: Workspace, entry: Entry) -> bool:
    """Store `entry`; True when it is new, False when it replaced an existing value."""
    check_name(entry.kind, entry.name)
    entries = load(workspace, entry.kind)
    created = entry.name not in entries
    entries[entry.name] = entry.value
    save(workspace, entry.kind, entries)
    return created


def get_entry(workspace: Workspace, kind: Kind, name: str) -> Entry:
    """The stored entry, or SecretsError naming the entries that do exist."""
    entries = load(workspace, kind)
    if name not in entries:
        raise SecretsError(f"there is no local {kind} named {name!r}", _known(kind, entries))
    return Entry(kind, name, entries[name])


def list_entries(workspace: Workspace, kinds: tuple[Kind, ...] = KINDS) -> list[Entry]:
    """Every local entry of the given kinds, sorted by kind and name."""
    return [
        Entry(kind, name, value)
        for kind in kinds
        for name, value in sorted(load(workspace, kind).items())
    ]


def remove_entry(workspace: Workspace, kind: Kind, name: str) -> None:
    """Delete one entry (SecretsError when it does not exist)."""
    entries = load(workspace, kind)
    if name not in entries:
        raise SecretsError(f"there is no local {kind} named {name!r}", _known(kind, entries))
    del entries[name]
    save(workspace, kind, entries)


def _known(kind: Kind, entries: dict[str, Any]) -> str:
    if not entries:
        return f"there are no local {kind}s yet; add one with `dagyard secrets set {kind} NAME`"
    return f"known {kind}s: {', '.join(sorted(entries))}"


def describe(entry: Entry, show: bool = False) -> str:
    """A one-line description of an entry; secret parts masked unless `show`."""
    value = entry.value
    if entry.kind == "variable":
        text = value if isinstance(value, str) else json.dumps(value)
        return text if show else f"{MASK} ({len(text)} characters)"
    if show:
        return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if isinstance(value, str):
        return mask_uri(value)
    masked = {
        k: (MASK if k in {"password", "extra", "extra_dejson"} else v) for k, v in value.items()
    }
    if "uri" in masked:
        masked["uri"] = mask_uri(str(masked["uri"]))
    return json.dumps(masked, sort_keys=True)


def mask_uri(uri: str) -> str:
    """`uri` with its password and query (which may hold tokens) replaced by `***`."""
    parts = urlsplit(uri)
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':', 1)[0]}:{MASK}@{host}"
    text = f"{parts.scheme}://{netloc}{parts.path}"
    return f"{text}?{MASK}" if parts.query else text


def connection_type(value: Any) -> str:
    """The connection type of a stored connection (for listings)."""
    if isinstance(value, str):
        return urlsplit(value).scheme
    if isinstance(value, dict):
        return str(value.get("conn_type") or urlsplit(str(value.get("uri", ""))).scheme)
    return "?"


def as_uri_or_json(value: Any) -> str:
    """A stored connection as the text GCP Secret Manager holds: the URI, or JSON fields."""
    if isinstance(value, str):
        return value
    value = dict(value)
    if "uri" in value:
        return str(value["uri"])
    if "extra_dejson" in value:
        value["extra"] = json.dumps(value.pop("extra_dejson"))
    return json.dumps(value, sort_keys=True)
