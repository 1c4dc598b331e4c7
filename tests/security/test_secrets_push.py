"""`dagyard secrets push`: the real google-cloud-secret-manager client against a local fake."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from secret_manager_fake import FakeSecretManager
from typer.testing import CliRunner

from dagyard.cli import app
from dagyard.config import load_config
from dagyard.security import secrets, secrets_push
from dagyard.workspace import Workspace
from support import free_port

URI = "postgres://etl:pa%40ss@10.0.0.5:5432/warehouse"

PROD = """
[deploy.environments.prod]
image_repository = "europe-docker.pkg.dev/acme/airflow"
dags = "baked"
secret_manager_project = "acme-prod"
"""
OTHERS = """
[deploy.environments.denied]
image_repository = "europe-docker.pkg.dev/acme/airflow"
dags = "baked"
secret_manager_project = "locked-project"

[deploy.environments.staging]
image_repository = "europe-docker.pkg.dev/acme/airflow"
dags = "baked"
"""


def add_environments(repo: Path) -> str:
    """Add test environments to the repo's dagyard.toml; return prod's GCP project."""
    text = (repo / "dagyard.toml").read_text()
    if "[deploy.environments.prod]" not in text:
        text += PROD
    (repo / "dagyard.toml").write_text(text + OTHERS)
    env = load_config(repo).deploy.environments["prod"]
    assert env.connections_prefix == "airflow-connections"
    assert env.variables_prefix == "airflow-variables"
    return str(env.secret_manager_project)


@pytest.fixture
def fake() -> Iterator[FakeSecretManager]:
    server = FakeSecretManager(denied_projects=("locked-project",)).start()
    yield server
    server.stop()


@pytest.fixture
def project(dag_repo: Path, fake: FakeSecretManager, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(secrets_push.ENDPOINT_VARIABLE, fake.url)
    add_environments(dag_repo)
    return dag_repo


@pytest.fixture
def gcp_project(project: Path) -> str:
    return str(load_config(project).deploy.environments["prod"].secret_manager_project)


def run(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--project", str(project)], env={"COLUMNS": "400"})
    return result.exit_code, " ".join(result.output.split())


def test_push_creates_then_adds_versions_only_on_change(
    project: Path, fake: FakeSecretManager, gcp_project: str
) -> None:
    assert run(project, "secrets", "set", "connection", "warehouse", URI)[0] == 0
    sid = "airflow-connections-warehouse"

    code, out = run(project, "secrets", "push", "connection", "warehouse", "--dry-run")
    assert code == 0 and f"Would change: Created secret {sid}" in out
    assert fake.secrets == {}

    code, out = run(project, "secrets", "push", "connection", "warehouse", "--env", "prod")
    assert code == 0, out
    assert f"Created secret {sid}" in out and "pa%40ss" not in out
    assert fake.payloads(gcp_project, sid) == [URI]
    assert fake.secrets[(gcp_project, sid)]["labels"] == {"managed-by": "dagyard"}

    code, out = run(project, "secrets", "push", "connection", "warehouse")
    assert code == 0 and f"Already up to date: secret {sid}" in out
    assert len(fake.payloads(gcp_project, sid)) == 1

    changed = URI.replace("warehouse", "warehouse2")
    assert run(project, "secrets", "set", "connection", "warehouse", changed)[0] == 0
    code, out = run(project, "secrets", "push", "connection", "warehouse")
    assert code == 0 and f"Added a new version of secret {sid}" in out
    assert fake.payloads(gcp_project, sid) == [URI, changed]


def test_push_variable_and_json_connection(
    project: Path, fake: FakeSecretManager, gcp_project: str
) -> None:
    run(project, "secrets", "set", "variable", "report_table", "analytics.daily")
    obj = {"conn_type": "http", "host": "api.example.com", "password": "pw", "extra": {"a": 1}}
    run(project, "secrets", "set", "connection", "reporting_api", json.dumps(obj))
    assert run(project, "secrets", "push", "variable", "report_table")[0] == 0
    assert run(project, "secrets", "push", "connection", "reporting_api")[0] == 0
    assert fake.payloads(gcp_project, "airflow-variables-report_table") == ["analytics.daily"]
    stored = json.loads(fake.payloads(gcp_project, "airflow-connections-reporting_api")[0])
    assert stored == {
        "conn_type": "http",
        "host": "api.example.com",
        "password": "pw",
        "extra": json.dumps({"a": 1}),
    }


def test_push_errors_are_plain(project: Path, fake: FakeSecretManager) -> None:
    run(project, "secrets", "set", "connection", "warehouse", URI)
    run(project, "secrets", "set", "connection", "has.dot", URI)

    code, out = run(project, "secrets", "push", "connection", "missing")
    assert code == 1 and "there is no local connection named 'missing'" in out
    code, out = run(project, "secrets", "push", "connection", "warehouse", "--env", "qa")
    assert code == 1 and "no environment 'qa'" in out and "known: denied, prod, staging" in out
    code, out = run(project, "secrets", "push", "connection", "warehouse", "--env", "staging")
    assert code == 1 and "secret_manager_project" in out
    assert "under [deploy.environments.staging]" in out
    code, out = run(project, "secrets", "push", "connection", "has.dot")
    assert code == 1 and "only letters, digits, `_` and `-`" in out
    code, out = run(project, "secrets", "push", "connection", "warehouse", "--env", "denied")
    assert code == 1 and "Google Cloud refused access" in out and "Secret Manager Admin" in out
    assert fake.secrets == {}


def test_airflow_reads_the_pushed_values_back(
    project: Path, fake: FakeSecretManager, gcp_project: str, tmp_path: Path
) -> None:
    """What was pushed deserializes with Airflow's own secrets-backend code path."""
    obj = {"conn_type": "http", "host": "api.example.com", "password": "pw", "extra": {"a": 1}}
    run(project, "secrets", "set", "connection", "warehouse", URI)
    run(project, "secrets", "set", "connection", "reporting_api", json.dumps(obj))
    run(project, "secrets", "set", "variable", "report_table", "analytics.daily")
    for kind, name in [
        ("connection", "warehouse"),
        ("connection", "reporting_api"),
        ("variable", "report_table"),
    ]:
        assert run(project, "secrets", "push", kind, name)[0] == 0
    # A secrets backend reading Secret Manager as CloudSecretManagerBackend does
    # (`{prefix}-{id}`, latest version), through the same client, over the fake's REST API.
    script = f"""
import json
from airflow.secrets.base_secrets import BaseSecretsBackend
from dagyard.security.secrets_push import secret_manager_client

class Backend(BaseSecretsBackend):
    client = secret_manager_client()
    def _get(self, prefix, key):
        name = f"projects/{gcp_project}/secrets/{{prefix}}-{{key}}/versions/latest"
        return self.client.access_secret_version(name=name).payload.data.decode()
    def get_conn_value(self, conn_id, team_name=None):
        return self._get("airflow-connections", conn_id)
    def get_variable(self, key, team_name=None):
        return self._get("airflow-variables", key)

backend = Backend()
db = backend.get_connection("warehouse")
api = backend.get_connection("reporting_api")
print(json.dumps({{
    "db": [db.conn_type, db.host, db.port, db.login, db.password, db.schema],
    "api": [api.conn_type, api.host, api.password, api.extra_dejson],
    "var": backend.get_variable("report_table"),
}}))
"""
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["db"] == ["postgres", "10.0.0.5", 5432, "etl", "pa@ss", "warehouse"]
    assert seen["api"] == ["http", "api.example.com", "pw", {"a": 1}]
    assert seen["var"] == "analytics.daily"


def test_push_uses_an_injected_client(dag_repo: Path, fake: FakeSecretManager) -> None:
    """`push` accepts any client object with the Secret Manager methods (here: REST to fake)."""
    add_environments(dag_repo)
    config = load_config(dag_repo)
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import secretmanager

    client = secretmanager.SecretManagerServiceClient(
        credentials=AnonymousCredentials(),
        transport="rest",
        client_options={"api_endpoint": fake.url},
    )
    entry = secrets.Entry("variable", "v", "1")
    assert secrets_push.push(config, "prod", entry, client=client).action == "created"
    assert secrets_push.push(config, "prod", entry, client=client).action == "unchanged"
    assert not Workspace(dag_repo).root.exists()


def test_unreachable_secret_manager_is_a_plain_error(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(secrets_push.ENDPOINT_VARIABLE, f"http://127.0.0.1:{free_port()}")
    run(project, "secrets", "set", "variable", "v", "1")
    code, out = run(project, "secrets", "push", "variable", "v")
    assert code == 1 and "could not reach Secret Manager" in out
