"""Hardening of the local environment: loopback only, per-project keys, no printed password."""

from __future__ import annotations

import stat
from pathlib import Path

import psutil
from typer.testing import CliRunner

from dagyard.airflow_env import LocalOptions, local_env
from dagyard.cli import app
from dagyard.config import load_config
from dagyard.workspace import Workspace
from support import DevProcess, copy_example_repo

WORKER_LOG_SERVER_PORT = 8793  # Airflow's default [logging] worker_log_server_port
KEY_SETTINGS = (
    "AIRFLOW__API__SECRET_KEY",
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW__CORE__FERNET_KEY",
)


def test_keys_are_per_project_private_and_ignored_by_git(tmp_path: Path) -> None:
    envs = []
    for name in ("one", "two"):
        root = copy_example_repo(tmp_path / name)
        workspace = Workspace(root)
        workspace.ensure()
        envs.append(local_env(load_config(root), workspace, LocalOptions(8080, 8081)))
        keys = workspace.root / "keys.json"
        assert stat.S_IMODE(keys.stat().st_mode) == 0o600
        assert (workspace.root / ".gitignore").read_text().splitlines()[-1] == "*"
        assert envs[-1]["AIRFLOW__API__HOST"] == "127.0.0.1"
        assert envs[-1]["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] == "True"
    for key in KEY_SETTINGS:
        assert envs[0][key] != envs[1][key]
        assert len(envs[0][key]) >= 32
    again = local_env(
        load_config(tmp_path / "one"), Workspace(tmp_path / "one"), LocalOptions(8080, 8081)
    )
    assert all(again[key] == envs[0][key] for key in KEY_SETTINGS)


def test_running_dev_is_private_and_audited(running_dev: DevProcess) -> None:
    """Loopback only, no password or key in any log; `dagyard audit` reads it as is."""
    tree = [psutil.Process(running_dev.process.pid)]
    tree += tree[0].children(recursive=True)
    listening = {
        (conn.laddr.ip, conn.laddr.port)
        for process in tree
        for conn in process.net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN
    }
    assert ("127.0.0.1", running_dev.port) in listening
    # Airflow's worker log server would bind every interface; dagyard dev does not start it.
    exposed = {(ip, port) for ip, port in listening if ip not in ("127.0.0.1", "::1")}
    assert exposed == set()
    assert WORKER_LOG_SERVER_PORT not in {port for _, port in listening}

    workspace = Workspace(running_dev.project)
    assert not list(workspace.home.glob("simple_auth_manager_passwords*"))
    texts = [running_dev.text()] + [
        path.read_text(errors="replace") for path in workspace.logs.rglob("*.log")
    ]
    assert texts[1:], "expected component logs"
    keys = tuple(workspace.keys())  # secret key, JWT secret, Fernet key
    for text in texts:
        assert "Password for user" not in text
        assert not any(key in text for key in keys)

    # `dagyard audit` with no --url reads the running dev's audit log (no login needed).
    with running_dev.client() as client:
        triggered = client.post("/api/v2/dags/hello_taskflow/dagRuns", json={"logical_date": None})
    assert triggered.status_code == 200, triggered.text
    result = CliRunner().invoke(
        app,
        [
            "audit",
            "--dag",
            "hello_taskflow",
            "--since",
            "1h",
            "--project",
            str(running_dev.project),
        ],
        env={"COLUMNS": "300"},
    )
    assert result.exit_code == 0, result.output
    assert "trigger_dag_run" in result.output and "hello_taskflow" in result.output
