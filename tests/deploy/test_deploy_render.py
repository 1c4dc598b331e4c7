"""`dagyard deploy render|check` and `dagyard deps add` on a copy of the example DAG repo."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from airflow.providers.cncf.kubernetes.pod_generator import PodGenerator

from dagyard.config import ConfigError, load_config
from dagyard.deploy import drift, render, write
from dagyard.deploy.image import DeployError
from dagyard.deploy.validate import manifest_problems
from support import DAGYARD


def rendered(repo: Path, out: Path | None = None) -> Path:
    out = out or repo / "deploy" / "prod"
    write(render(load_config(repo), "prod"), out)
    return out


def values_of(folder: Path) -> dict:
    return yaml.safe_load((folder / "values.yaml").read_text())


def edit_toml(repo: Path, old: str, new: str) -> None:
    path = repo / "dagyard.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_values_for_the_official_chart(dag_repo):
    values = values_of(rendered(dag_repo))
    assert values["executor"] == "KubernetesExecutor"
    assert values["airflowVersion"] == "3.3.2"
    assert values["scheduler"]["replicas"] == 2
    assert values["postgresql"] == {"enabled": False}
    assert values["pgbouncer"]["enabled"] is True
    assert values["data"]["metadataSecretName"] == "airflow-metadata-db"
    workers = values["workers"]["kubernetes"]
    assert workers["nodeSelector"] == {"cloud.google.com/gke-nodepool": "airflow-workers"}
    assert workers["tolerations"][0]["effect"] == "NoSchedule"
    assert "nodeAffinity" in workers["affinity"]
    assert values["nodeSelector"] == {"cloud.google.com/gke-nodepool": "airflow-platform"}
    assert values["statsd"]["enabled"] is True
    assert values["databaseCleanup"]["enabled"] is True
    assert (
        values["databaseCleanup"]["retentionDays"] == load_config(dag_repo).cleanup.retention_days
    )
    secrets = values["config"]["secrets"]
    assert secrets["backend"].endswith("CloudSecretManagerBackend")
    assert '"connections_prefix": "airflow-connections"' in secrets["backend_kwargs"]
    assert values["config"]["core"]["auth_manager"].endswith("FabAuthManager")
    assert values["dags"]["gitSync"]["enabled"] is True
    assert values["dags"]["gitSync"]["subPath"] == "dags"
    assert values["dags"]["gitSync"]["ref"] == "main"
    assert values["dags"]["gitSync"]["sshKeySecret"] == "airflow-git-ssh-key"
    assert values["dags"]["gitSync"]["knownHosts"].startswith("github.com ssh-ed25519 ")
    assert values["createUserJob"] == {"enabled": False}
    assert "standalone_dag_processor" not in values["config"]["scheduler"]
    assert "from dagyard.policy import" in values["airflowLocalSettings"]


def test_keycloak_and_baked_dags_are_options(dag_repo):
    edit_toml(
        dag_repo,
        'auth_manager = "fab"',
        'auth_manager = "keycloak"\nkeycloak_server_url = "https://sso.example.com"\n'
        'keycloak_realm = "data"\nkeycloak_client_id = "airflow"',
    )
    edit_toml(dag_repo, 'dags = "git-sync"', 'dags = "baked"')
    out = rendered(dag_repo)
    values = values_of(out)
    assert values["config"]["core"]["auth_manager"].endswith("KeycloakAuthManager")
    assert values["config"]["keycloak_auth_manager"]["realm"] == "data"
    # Read from the Secret through the chart's `secret:` list (its schema allows no valueFrom).
    assert values["secret"] == [
        {
            "envName": "AIRFLOW__KEYCLOAK_AUTH_MANAGER__CLIENT_SECRET",
            "secretName": "airflow-keycloak-client-secret",
            "secretKey": "client-secret",
        }
    ]
    assert values["dags"]["gitSync"]["enabled"] is False
    assert "airflow-git-ssh-key" not in {s.name for s in chart_secrets_of(dag_repo)}
    assert values["config"]["core"]["dags_folder"] == "/opt/airflow/dagyard-repo/dags"
    assert values["images"]["airflow"]["tag"].startswith("dags-")
    dockerfile = (out / "image" / "Dockerfile").read_text()
    assert "COPY --chown=airflow:0 dags/ /opt/airflow/dagyard-repo/dags/" in dockerfile
    names = [
        d["metadata"]["name"] for d in yaml.safe_load_all((out / "external-secrets.yaml").open())
    ]
    assert "airflow-keycloak-client-secret" in names


def the_config_problem(repo: Path) -> tuple[str, str]:
    """The one problem loading dagyard.toml reports: the line it names, and its message."""
    with pytest.raises(ConfigError) as caught:
        load_config(repo)
    (problem,) = caught.value.problems
    return (repo / "dagyard.toml").read_text().splitlines()[problem.line - 1], problem.message


def chart_secrets_of(repo: Path) -> list:
    from dagyard.deploy.secrets import chart_secrets

    return chart_secrets(load_config(repo).deploy.environments["prod"])


def test_git_sync_over_ssh_without_known_hosts_is_a_config_error_on_its_line(dag_repo):
    edit_toml(dag_repo, "git_known_hosts = ", "# git_known_hosts = ")
    line, message = the_config_problem(dag_repo)
    assert line == "[deploy.environments.prod]"
    assert "git-sync over SSH needs git_known_hosts" in message
    # Over HTTPS there is no host key to pin and no SSH key to mount.
    edit_toml(
        dag_repo,
        "git@github.com:example-data-org/dags.git",
        "https://github.com/example-data-org/dags.git",
    )
    values = values_of(rendered(dag_repo))
    assert "sshKeySecret" not in values["dags"]["gitSync"]
    assert "airflow-git-ssh-key" not in {s.name for s in chart_secrets_of(dag_repo)}


def test_every_rendered_manifest_passes_the_kubernetes_schema(dag_repo):
    out = rendered(dag_repo)
    version = load_config(dag_repo).deploy.environments["prod"].kubernetes_version
    namespace = yaml.safe_load((out / "namespace.yaml").read_text())
    pod = yaml.safe_load((out / "worker-pod.preview.yaml").read_text())
    # The package's own validator, strict (unknown fields are errors), for the target version.
    for manifest in (namespace, pod):
        assert kubernetes_validate.validate(manifest, version, strict=True)
    assert PodGenerator.deserialize_model_dict(pod).spec.containers[0].name == "base"
    secrets = list(yaml.safe_load_all((out / "external-secrets.yaml").read_text()))
    assert {s["metadata"]["name"] for s in secrets} >= {
        "airflow-metadata-db",
        "airflow-fernet-key",
        "airflow-api-secret-key",
        "airflow-jwt-secret",
        "airflow-git-ssh-key",
    }
    # The git-sync key under the key name the chart mounts (`gitSshKey`), from the secret manager.
    (git_key,) = [s for s in secrets if s["metadata"]["name"] == "airflow-git-ssh-key"]
    assert git_key["spec"]["data"] == [
        {"secretKey": "gitSshKey", "remoteRef": {"key": "airflow-git-ssh-key"}}
    ]
    for secret in secrets:
        assert manifest_problems(secret, version) == []


def test_schema_validation_catches_mistakes():
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "base", "resource": {}}]},
    }
    (problem,) = manifest_problems(pod, "1.33")
    assert "Pod p: spec.containers.0" in problem and "resource" in problem
    secret = {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {"name": "s", "labels": {"a": 1}},
        "spec": {
            "secretStoreRef": {"name": "x"},
            "target": {"name": "s", "creationPolicy": "Always"},
            "data": [{"secretKey": "k", "remoteRef": {"key": "r"}}],
        },
    }
    found = manifest_problems(secret, "1.33")
    assert any("metadata.labels.a" in p for p in found)
    assert any("spec.target.creationPolicy" in p for p in found)


def test_image_installs_exactly_the_locked_dependencies(dag_repo):
    out = rendered(dag_repo)
    dockerfile = (out / "image" / "Dockerfile").read_text()
    assert "FROM apache/airflow:3.3.2-python3.11\n" in dockerfile
    assert "--require-hashes" in dockerfile
    lock = tomllib.loads((dag_repo / "uv.lock").read_text())
    pinned = {
        p["name"]: p["version"] for p in lock["package"] if p.get("source", {}).get("registry")
    }
    requirements = (out / "image" / "requirements.lock.txt").read_text()
    exported = {
        line.split("==")[0]: line.split("==")[1].split(" ")[0].split(";")[0]
        for line in requirements.splitlines()
        if "==" in line and not line.startswith((" ", "#"))
    }
    assert exported["apache-airflow"] == "3.3.2"
    assert exported and all(pinned[name] == version for name, version in exported.items())


def test_check_finds_no_drift_right_after_render(dag_repo):
    out = rendered(dag_repo)
    assert drift(load_config(dag_repo), "prod", out) == []


def test_check_names_the_values_that_drifted(dag_repo):
    out = rendered(dag_repo)
    edit_toml(dag_repo, "scheduler_replicas = 2", "scheduler_replicas = 3")
    values = (out / "values.yaml").read_text()
    (out / "values.yaml").write_text(values + "extraHandEdit: true\n")
    found = drift(load_config(dag_repo), "prod", out)
    assert "values.yaml: scheduler.replicas: deployed 2, dagyard.toml says 3" in found
    assert "values.yaml: extraHandEdit: not from dagyard.toml (deployed true)" in found
    result = subprocess.run(
        [DAGYARD, "deploy", "check", "--project", str(dag_repo), "--dir", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "scheduler.replicas" in result.stdout
    assert "dagyard deploy render --env prod" in result.stderr


def test_unknown_environment_and_missing_lock_are_explained(dag_repo):
    config = load_config(dag_repo)
    with pytest.raises(DeployError, match=r"no \[deploy.environments.staging\] \(known: prod\)"):
        render(config, "staging")
    (dag_repo / "uv.lock").unlink()
    with pytest.raises(DeployError, match="run `dagyard deps lock`"):
        render(config, "prod")


def test_git_sync_without_a_repository_is_a_config_error_on_its_line(dag_repo):
    edit_toml(dag_repo, 'git_repository = "git@github.com:example-data-org/dags.git"\n', "")
    line, message = the_config_problem(dag_repo)
    assert line == "[deploy.environments.prod]"
    assert "needs git_repository" in message


def test_deps_add_updates_the_one_declaration_the_lock_and_the_image(dag_repo):
    out = rendered(dag_repo)
    result = subprocess.run(
        [DAGYARD, "deps", "add", "httpx>=0.27", "--no-install", "--project", str(dag_repo)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "httpx" in result.stdout
    pyproject = tomllib.loads((dag_repo / "pyproject.toml").read_text())
    assert any(dep.startswith("httpx>=0.27") for dep in pyproject["project"]["dependencies"])
    lock = tomllib.loads((dag_repo / "uv.lock").read_text())
    root = next(p for p in lock["package"] if p["name"] == "example-data-org-dags")
    assert "httpx" in {d["name"] for d in root["dependencies"]}
    # The deployed image is now stale, and check says so; a new render has the new package.
    found = drift(load_config(dag_repo), "prod", out)
    assert any(line.startswith("values.yaml: images.airflow.tag") for line in found)
    assert (
        "image/requirements.lock.txt: differs from what dagyard.toml and the lock render" in found
    )
    assert "\nhttpx==" in (rendered(dag_repo) / "image" / "requirements.lock.txt").read_text()


def test_deps_add_refuses_a_non_requirement(dag_repo):
    before = (dag_repo / "pyproject.toml").read_text()
    result = subprocess.run(
        [DAGYARD, "deps", "add", "not a package!", "--no-install", "--project", str(dag_repo)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "is not a package requirement" in result.stderr
    assert (dag_repo / "pyproject.toml").read_text() == before
