"""`dagyard secrets set|get|list|rm` on the local files, and Airflow reading what they wrote."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dagyard.cli import app
from dagyard.security import secrets
from dagyard.workspace import Workspace

PASSWORD = "s3cr3t-Pa55"
URI = f"postgres://ana:{PASSWORD}@db.internal:5432/sales?sslmode=require"


def run(project: Path, *args: str, input: str | None = None):
    result = CliRunner().invoke(
        app, [*args, "--project", str(project)], input=input, env={"COLUMNS": "400"}
    )
    return result.exit_code, " ".join(result.output.split())


@pytest.fixture
def project(dag_repo: Path) -> Path:
    return dag_repo


def test_set_get_list_rm_round_trip(project: Path) -> None:
    code, out = run(project, "secrets", "set", "connection", "sales_db", URI)
    assert code == 0, out
    assert "Added local connection sales_db" in out
    assert PASSWORD not in out

    code, out = run(project, "secrets", "get", "connection", "sales_db")
    assert code == 0, out
    assert PASSWORD not in out and "sslmode" not in out
    assert "postgres://ana:***@db.internal:5432/sales?***" in out

    code, out = run(project, "secrets", "get", "connection", "sales_db", "--show")
    assert code == 0 and out == URI

    code, out = run(project, "secrets", "set", "variable", "api_key", input="tok-123\n")
    assert code == 0, out
    code, out = run(project, "secrets", "get", "var", "api_key")
    assert "tok-123" not in out and "*** (7 characters)" in out

    code, out = run(project, "secrets", "list")
    assert code == 0
    assert "connection sales_db (postgres)" in out and "api_key" in out
    assert PASSWORD not in out and "tok-123" not in out

    code, out = run(project, "secrets", "set", "connection", "sales_db", "mysql://u:p@h/db")
    assert code == 0 and "Replaced local connection sales_db" in out

    code, out = run(project, "secrets", "rm", "variable", "api_key")
    assert code == 0, out
    code, out = run(project, "secrets", "get", "variable", "api_key")
    assert code == 1 and "there is no local variable named 'api_key'" in out


def test_files_are_private_and_outside_git(project: Path) -> None:
    run(project, "secrets", "set", "connection", "a", URI)
    workspace = Workspace(project)
    assert stat.S_IMODE(workspace.secrets_dir.stat().st_mode) == 0o700
    for path in (workspace.connections_file, workspace.variables_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (workspace.root / ".gitignore").read_text().strip().endswith("*")


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_refuses_a_readable_file(project: Path, mode: int) -> None:
    run(project, "secrets", "set", "connection", "a", URI)
    path = Workspace(project).connections_file
    os.chmod(path, mode)
    for args in (("list",), ("get", "connection", "a"), ("set", "variable", "x", "1")):
        code, out = run(project, "secrets", *args)
        assert code == 1, args
        assert "can be read by other users of this computer" in out
        assert "chmod 600" in out
    assert yaml.safe_load(Workspace(project).variables_file.read_text()) in ({}, None)


def test_refuses_a_readable_folder(project: Path) -> None:
    run(project, "secrets", "set", "connection", "a", URI)
    os.chmod(Workspace(project).secrets_dir, 0o755)
    code, out = run(project, "secrets", "list")
    assert code == 1 and "chmod 700" in out


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("postgres://u:p@host:port/db", "port that is not a number"),
        ("just-text", "neither a URI"),
        ('{"conn_type": "http", "hots": "x"}', "did you mean `host` for `hots`?"),
        ('{"host": "x"}', "has no conn_type"),
        ('{"conn_type": "http", "port": "eighty"}', "port must be a number"),
        ('{"conn_type": "http"', "not valid JSON"),
        ('{"conn_type": "http", "extra": "not json"}', "extra must be a JSON object"),
        ('{"conn_id": "other", "conn_type": "http"}', "says conn_id is 'other'"),
        ("http://h/?__extra__=%7Bbad", "__extra__ parameter must be URL-encoded JSON"),
    ],
)
def test_bad_connections_are_refused_with_a_reason(project: Path, value: str, message: str):
    code, out = run(project, "secrets", "set", "connection", "c", value)
    assert code == 1
    assert message in out
    assert not Workspace(project).connections_file.exists()


def test_json_variable_and_bad_names(project: Path) -> None:
    code, out = run(project, "secrets", "set", "variable", "cfg", '{"a": 1', "--json")
    assert code == 1 and "not valid JSON" in out
    code, out = run(project, "secrets", "set", "variable", "cfg", '{"a": [1, 2]}', "--json")
    assert code == 0
    code, out = run(project, "secrets", "set", "variable", "bad name", "x")
    assert code == 1 and "not a valid variable name" in out
    code, out = run(project, "secrets", "get", "secret", "x")
    assert code == 2 and "not a kind of secret" in out


def test_mask_uri_hides_password_and_query() -> None:
    assert secrets.mask_uri("http://h:80/p") == "http://h:80/p"
    assert secrets.mask_uri("http://u:p@h/p?token=x") == "http://u:***@h/p?***"


def test_airflow_reads_what_dagyard_wrote(project: Path, tmp_path: Path) -> None:
    """Airflow's own LocalFilesystemBackend (the one `dagyard dev` uses) reads the files."""
    run(project, "secrets", "set", "connection", "sales_db", URI)
    extra = json.dumps({"timeout": 30})
    obj = json.dumps(
        {"conn_type": "http", "host": "api.example.com", "password": "pw", "extra": {"a": 1}}
    )
    run(project, "secrets", "set", "connection", "api", obj)
    run(project, "secrets", "set", "variable", "settings", extra, "--json")
    workspace = Workspace(project)
    script = f"""
import json
from airflow.secrets.local_filesystem import LocalFilesystemBackend
backend = LocalFilesystemBackend(
    connections_file_path={str(workspace.connections_file)!r},
    variables_file_path={str(workspace.variables_file)!r},
)
db = backend.get_connection("sales_db")
api = backend.get_connection("api")
print(json.dumps({{
    "db": [db.conn_type, db.host, db.port, db.login, db.password, db.schema, db.extra_dejson],
    "api": [api.conn_type, api.host, api.password, api.extra_dejson],
    "var": backend.get_variable("settings"),
}}))
"""
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["db"] == [
        "postgres",
        "db.internal",
        5432,
        "ana",
        PASSWORD,
        "sales",
        {"sslmode": "require"},
    ]
    assert seen["api"] == ["http", "api.example.com", "pw", {"a": 1}]
    assert json.loads(seen["var"]) == {"timeout": 30}
