"""The project's local working folder, `.dagyard/`: git-ignored state of one laptop.

Layout::

    .dagyard/
      .gitignore          "*": nothing in here is ever committed
      keys.json           per-project secret key, JWT secret and Fernet key (0600)
      secrets/            local connections and variables (0700; files 0600)
      home/               AIRFLOW_HOME (airflow.cfg, airflow_local_settings.py)
      db/airflow.db       the embedded SQLite metadata database
      logs/               task logs and one log file per component
      dev.lock, dev.json  the running `dagyard dev`, if any
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import psutil

if TYPE_CHECKING:
    from dagyard.config import Config

WORKSPACE_DIR = ".dagyard"


class Keys(NamedTuple):
    """Per-project secrets that Airflow needs; generated once, never shared or committed."""

    secret_key: str
    jwt_secret: str
    fernet_key: str


class Workspace:
    """Paths inside `.dagyard/` of one project, and the helpers that create them safely."""

    def __init__(self, project_root: Path):
        self.root = project_root / WORKSPACE_DIR

    @property
    def home(self) -> Path:
        """AIRFLOW_HOME for every Airflow process dagyard starts for this project."""
        return self.root / "home"

    @property
    def db_file(self) -> Path:
        """The embedded SQLite metadata database."""
        return self.root / "db" / "airflow.db"

    @property
    def logs(self) -> Path:
        """Task logs (Airflow's base log folder) and component logs under `dev/`."""
        return self.root / "logs"

    @property
    def secrets_dir(self) -> Path:
        """Local connections and variables, read by Airflow's local filesystem backend."""
        return self.root / "secrets"

    @property
    def connections_file(self) -> Path:
        """Local connections, one entry per connection id (YAML)."""
        return self.secrets_dir / "connections.yaml"

    @property
    def variables_file(self) -> Path:
        """Local variables, one entry per key (YAML)."""
        return self.secrets_dir / "variables.yaml"

    @property
    def lock_file(self) -> Path:
        """Held (flock) by the running `dagyard dev`."""
        return self.root / "dev.lock"

    @property
    def state_file(self) -> Path:
        """What the running `dagyard dev` tells other commands: pid, URL, port."""
        return self.root / "dev.json"

    def ensure(self) -> None:
        """Create the folder layout, with a `.gitignore` that keeps it out of git."""
        for folder in (self.root, self.home, self.db_file.parent, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        ignore = self.root / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# dagyard's local state: never commit it\n*\n")
        self.ensure_secret_files()

    def ensure_secret_files(self) -> None:
        """Create the local secrets folder (0700) and empty secrets files (0600) if missing."""
        self.secrets_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.secrets_dir, 0o700)
        for path in (self.connections_file, self.variables_file):
            if not path.exists():
                write_private(path, "{}\n")

    def keys(self) -> Keys:
        """Return this project's keys, generating and storing them (0600) on first use."""
        path = self.root / "keys.json"
        if path.exists():
            return Keys(**json.loads(path.read_text()))
        keys = Keys(
            secret_key=secrets.token_urlsafe(32),
            jwt_secret=secrets.token_urlsafe(32),
            fernet_key=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        )
        self.root.mkdir(parents=True, exist_ok=True)
        write_private(path, json.dumps(keys._asdict(), indent=2) + "\n")
        return keys


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` so that only the owner can ever read it (created 0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def is_private(path: Path) -> bool:
    """True when neither group nor others may read or write `path`."""
    return not (path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def seed_local_secrets(config: Config, workspace: Workspace) -> list[str]:
    """Copy the repo's example secrets (`secrets.example/`) into a new local secrets folder.

    Call before `Workspace.ensure()`: an existing secrets folder is never touched.
    """
    source = config.root / "secrets.example"
    if workspace.secrets_dir.exists() or not source.is_dir():
        return []
    workspace.ensure_secret_files()
    copied = []
    for target in (workspace.connections_file, workspace.variables_file):
        example = source / target.name
        if example.is_file():
            write_private(target, example.read_text())
            copied.append(target.name)
    return copied


class RunningState(NamedTuple):
    """What a running session publishes in `.dagyard/dev.json` for other commands.

    `components` maps each Airflow component it started to its pid; `db_url` is the
    PostgreSQL database given with `--db` (None: the project's SQLite file).
    """

    pid: int
    url: str
    port: int
    session: str
    components: dict[str, int] | None = None
    db_url: str | None = None


def read_running_state(workspace: Workspace) -> RunningState | None:
    """The running session of this project, if one is running."""
    if not workspace.state_file.exists():
        return None
    try:
        state = RunningState(**json.loads(workspace.state_file.read_text()))
    except (ValueError, TypeError):
        return None
    return state if psutil.pid_exists(state.pid) else None
