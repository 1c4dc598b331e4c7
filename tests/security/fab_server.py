"""A real Airflow 3 API server with the FAB auth manager, for the security tests.

`fab_server` runs `airflow db migrate` on SQLite or PostgreSQL, creates a bootstrap admin,
starts `airflow api-server`, lets `dagyard rbac sync` create the team roles and accounts, and
parses every DAG through the dagyard cluster policy (`airflow dags reserialize`), which writes
each DAG's `access_control` into FAB's tables.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import httpx
import psycopg2
import yaml
from typer.testing import CliRunner

from dagyard.airflow_env import FAB_AUTH_MANAGER, LocalOptions, local_env
from dagyard.cli import app
from dagyard.config import Config, load_config
from dagyard.policy import write_local_settings
from dagyard.workspace import Workspace
from support import free_port

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
POSTGRES = "postgresql://postgres@127.0.0.1:5432"


def fab_env(config: Config, workspace: Workspace, options: LocalOptions) -> dict[str, str]:
    """The local profile with the FAB auth manager: per-person logins, team roles, DAG access.

    Every request needs a real login (`POST /auth/token`), roles come from `dagyard rbac sync`,
    and each DAG's `access_control` (set by the dagyard cluster policy) is synced into FAB's
    tables.
    """
    env = local_env(config, workspace, options)
    del env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"]
    env.update(
        {
            "AIRFLOW__CORE__AUTH_MANAGER": FAB_AUTH_MANAGER,
            "AIRFLOW__FAB__UPDATE_FAB_PERMS": "True",
            "AIRFLOW__FAB__CACHE_TTL": "0",  # a role change applies to the next request
            "AIRFLOW__API__EXPOSE_CONFIG": "False",
        }
    )
    return env


class Result(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


class Server(NamedTuple):
    url: str
    project: Path
    env: dict[str, str]
    bootstrap_password: str

    def passwords(self) -> dict[str, str]:
        path = self.project / ".dagyard" / "secrets" / "new-accounts.yaml"
        return yaml.safe_load(path.read_text())

    def client(self, person: str) -> httpx.Client:
        response = httpx.post(
            f"{self.url}/auth/token",
            json={"username": person, "password": self.passwords()[person]},
        )
        assert response.status_code == 201, response.text
        token = response.json()["access_token"]
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )

    def dagyard(self, *args: str, password: str | None = None) -> Result:
        """Run a dagyard command in this process (as the bootstrap admin unless told)."""
        env = {"COLUMNS": "300", "DAGYARD_AIRFLOW_PASSWORD": password or self.bootstrap_password}
        result = CliRunner().invoke(app, [*args, "--project", str(self.project)], env=env)
        return Result(result.exit_code, result.stdout, result.stderr)

    def airflow(self, *commands: list[str]) -> None:
        run_airflow(self.env, *commands)


def stop_group(process: subprocess.Popen) -> None:
    """Stop a process started in its own session, and every child left in its group."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)


def run_airflow(env: dict[str, str], *commands: list[str]) -> None:
    """Run Airflow CLI commands one after the other in one process (one `import airflow`)."""
    script = (
        "from airflow.cli import cli_parser\nparser = cli_parser.get_parser()\n"
        f"for argv in {[list(c) for c in commands]!r}:\n"
        "    args = parser.parse_args(argv)\n    args.func(args)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"airflow {commands} failed:\n{result.stderr[-3000:]}"


@contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database (dropped afterwards); yields its URL."""
    name = f"{prefix}{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(f"{POSTGRES}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@contextmanager
def fab_server(project: Path, db_url: str | None = None) -> Iterator[Server]:
    """Start the server for `project` (SQLite in its workspace unless `db_url`), sync, parse."""
    config = load_config(project)
    workspace = Workspace(project)
    workspace.ensure()
    port = free_port()
    options = LocalOptions(api_port=port, execution_api_port=port, parse_all=True, db_url=db_url)
    env = {**os.environ, **fab_env(config, workspace, options)}
    write_local_settings(workspace.home)
    bootstrap = secrets.token_urlsafe(16)
    run_airflow(
        env,
        ["db", "migrate"],
        ["users", "create", "--role", "Admin", "--username", "admin",
         "--email", "admin@example.com", "--firstname", "Boot", "--lastname", "Strap",
         f"--password={bootstrap}"],  # a password may start with "-"
    )  # fmt: skip
    log = project.parent / "api-server.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [AIRFLOW, "api-server"], env=env, stdout=sink, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, f"api-server died:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"api-server not up:\n{log.read_text()[-3000:]}"
            try:
                if httpx.get(f"{url}/api/v2/monitor/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        server = Server(url, project, env, bootstrap)
        result = server.dagyard("rbac", "sync", "--url", url, "--user", "admin")
        assert result.returncode == 0, result.stdout + result.stderr
        run_airflow(env, ["dags", "reserialize"])
        yield server
    finally:
        stop_group(process)


@contextmanager
def scheduler(server: Server) -> Iterator[subprocess.Popen]:
    """Run `airflow scheduler` for the server's project (stopped, with its children, after)."""
    log = server.project.parent / "scheduler.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [AIRFLOW, "scheduler"], env=server.env, stdout=sink, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        yield process
    finally:
        stop_group(process)
