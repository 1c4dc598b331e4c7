"""The rendered values against the pinned official chart: its schema, its defaults, and checks.

The chart's own `values.schema.json` and default `values.yaml` (vendored for the pinned version)
are the reference. Each check of `dagyard deploy check` is proved by hand-editing a rendered
values file back into a state that would not start, or not start safely.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from dagyard.config import load_config
from dagyard.deploy import chart, render, write
from dagyard.deploy.deps import locked_versions
from dagyard.deploy.findings import check_values
from dagyard.deploy.values import dump
from support import DAGYARD

VERSION = "1.21.0"


def rendered(repo: Path) -> Path:
    out = repo / "deploy" / "prod"
    write(render(load_config(repo), "prod"), out)
    return out


def values_of(folder: Path) -> dict:
    return yaml.safe_load((folder / "values.yaml").read_text())


def chart_defaults() -> dict:
    """The vendored default values.yaml, read here without dagyard's helpers."""
    return yaml.safe_load((chart.HERE / VERSION / "values.yaml").read_text())


def test_the_pinned_chart_is_vendored_with_its_licence_and_named_in_the_render(dag_repo):
    folder = chart.HERE / VERSION
    assert chart.CHART_VERSION == VERSION
    assert load_config(dag_repo).deploy.environments["prod"].chart_version == VERSION
    assert "Apache License" in (folder / "LICENSE").read_text()
    assert "The Apache Software Foundation" in (folder / "NOTICE").read_text()
    assert yaml.safe_load((folder / "Chart.yaml").read_text())["version"] == VERSION
    text = (rendered(dag_repo) / "values.yaml").read_text()
    assert f"Helm chart {VERSION} (apache-airflow/airflow --version {VERSION})" in text


def test_rendered_values_pass_the_pinned_charts_schema(dag_repo):
    values = values_of(rendered(dag_repo))
    assert chart.schema_errors(values) == []
    # The chart's own defaults pass too, and a wrong type is caught where it is.
    assert chart.schema_errors(chart_defaults()) == []
    values["scheduler"]["replicas"] = "two"
    values["dags"]["gitSync"]["refs"] = "main"
    errors = {error.path: error.message for error in chart.schema_errors(values)}
    assert "'two' is not of type 'integer'" in errors[("scheduler", "replicas")]
    assert "'refs' was unexpected" in errors[("dags", "gitSync")]


def test_merge_works_like_helm():
    defaults = {"a": {"b": 1, "c": [1, 2], "d": "x"}, "e": 1}
    values = {"a": {"c": [3], "d": None}, "f": 2}
    assert chart.merge(defaults, values) == {"a": {"b": 1, "c": [3]}, "e": 1, "f": 2}
    assert defaults == {"a": {"b": 1, "c": [1, 2], "d": "x"}, "e": 1}


def test_merged_with_the_charts_defaults_production_gets_what_it_needs(dag_repo):
    defaults = chart_defaults()
    # What the chart alone would do, so that each assertion below is about the render.
    assert defaults["dags"]["gitSync"]["ref"] == "v2-2-stable"
    assert defaults["createUserJob"]["enabled"] is True
    assert defaults["workers"]["kubernetes"]["resources"] == {}
    assert defaults["workers"]["resources"] == {}
    assert defaults["databaseCleanup"]["enabled"] is False
    assert defaults["executor"] == "CeleryExecutor"
    assert defaults["scheduler"]["replicas"] == 1

    values = values_of(rendered(dag_repo))
    merged = chart.merge(defaults, values)
    assert chart.git_sync_ref(merged) == "main"
    assert merged["dags"]["gitSync"]["enabled"] is True
    assert merged["dags"]["gitSync"]["sshKeySecret"] == "airflow-git-ssh-key"
    assert chart.default_user_enabled(merged) is False
    assert chart.worker_setting(merged, "resources") == {
        "requests": {"cpu": "250m", "memory": "512Mi"},
        "limits": {"cpu": "500m", "memory": "1Gi"},
    }
    assert chart.worker_setting(merged, "nodeSelector") == {
        "cloud.google.com/gke-nodepool": "airflow-workers"
    }
    cleanup = load_config(dag_repo).cleanup
    assert merged["databaseCleanup"]["enabled"] is True
    assert merged["databaseCleanup"]["retentionDays"] == cleanup.retention_days
    assert merged["executor"] == "KubernetesExecutor"
    assert merged["scheduler"]["replicas"] == 2
    assert merged["statsd"]["enabled"] is True
    # dagyard's mapping replaces the chart's own: it ends with the catch-all drop.
    mappings = chart.statsd_mappings(merged)
    assert mappings[0]["match"] == "airflow.scheduler_heartbeat"
    assert mappings[-1].get("action") == "drop"


def test_worker_resources_follow_the_default_preset(dag_repo):
    path = dag_repo / "dagyard.toml"
    path.write_text(
        path.read_text().replace("[resources]\n", '[resources]\ndefault = "medium"\n', 1)
    )
    merged = chart.merge(chart_defaults(), values_of(rendered(dag_repo)))
    assert chart.worker_setting(merged, "resources") == {
        "requests": {"cpu": "1", "memory": "2Gi"},
        "limits": {"cpu": "2", "memory": "4Gi"},
    }
    pod = yaml.safe_load((dag_repo / "deploy" / "prod" / "worker-pod.preview.yaml").read_text())
    assert pod["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "1", "memory": "2Gi"}


def _drop_last_duration(values: dict) -> None:
    mappings = values["statsd"]["overrideMappings"]
    values["statsd"]["overrideMappings"] = [
        m for m in mappings if not m["match"].startswith("airflow.dag_processing.last_duration")
    ]


def _delete(*path: str):
    def edit(values: dict) -> None:
        node = values
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return edit


def _set(value: Any, *path: str):
    def edit(values: dict) -> None:
        node = values
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value

    return edit


# (hand edit, the text the finding says, the key on the line it names)
REINTRODUCED = {
    "git-sync ref": (_delete("dags", "gitSync", "ref"), "checks out only `ref`", "gitSync"),
    "no ssh key": (_delete("dags", "gitSync", "sshKeySecret"), "no key is given", "gitSync"),
    "no known hosts": (_delete("dags", "gitSync", "knownHosts"), "host key", "gitSync"),
    "default user": (_set(True, "createUserJob", "enabled"), "shared Admin account", "enabled"),
    "legacy default user": (
        _set({"enabled": True}, "webserver", "defaultUser"),
        "'admin'",
        "defaultUser",
    ),
    "no worker resources": (
        _delete("workers", "kubernetes", "resources"),
        "no CPU or memory requests",
        "kubernetes",
    ),
    "clean-up off": (_set(False, "databaseCleanup", "enabled"), "clean-up CronJob", "enabled"),
    "airflow 2 option": (
        _set("True", "config", "scheduler", "standalone_dag_processor"),
        "[scheduler] standalone_dag_processor is not an Airflow 3.3.2 setting",
        "standalone_dag_processor",
    ),
    "airflow 2 section": (
        _set({"enable_proxy_fix": "True"}, "config", "webserver"),
        "has no [webserver] section",
        "webserver",
    ),
    "one scheduler": (_set(1, "scheduler", "replicas"), "1 scheduler(s)", "replicas"),
    "celery": (_set("CeleryExecutor", "executor"), "executor is 'CeleryExecutor'", "executor"),
    "statsd drop": (
        _drop_last_duration,
        "without `airflow_dag_processing_last_duration`: "
        "`airflow.dag_processing.last_duration.example.example` is dropped",
        "overrideMappings",
    ),
    "schema": (_set("two", "scheduler", "replicas"), "is not of type 'integer'", "replicas"),
}


@pytest.fixture(scope="module")
def render_once(tmp_path_factory) -> Path:
    from support import copy_example_repo

    repo = copy_example_repo(tmp_path_factory.mktemp("chart") / "dag-repo")
    rendered(repo)
    return repo


def _check(repo: Path, folder: Path, locked: set[str] | None = None) -> list:
    config = load_config(repo)
    locked = set(locked_versions(config)) if locked is None else locked
    return check_values(folder, config, "prod", "values.yaml", "external-secrets.yaml", locked)


def test_a_fresh_render_has_no_findings(render_once):
    assert _check(render_once, render_once / "deploy" / "prod") == []


@pytest.mark.parametrize("case", sorted(REINTRODUCED))
def test_check_reports_each_problem_a_hand_edit_reintroduces(render_once, tmp_path, case):
    edit, says, key = REINTRODUCED[case]
    source = render_once / "deploy" / "prod"
    folder = tmp_path / "prod"
    folder.mkdir()
    (folder / "external-secrets.yaml").write_text((source / "external-secrets.yaml").read_text())
    values = values_of(source)
    edit(values)
    (folder / "values.yaml").write_text(dump(values))
    found = _check(render_once, folder)
    matching = [f for f in found if says in f.what]
    assert matching, found
    lines = (folder / "values.yaml").read_text().splitlines()
    assert lines[matching[0].line - 1].strip().startswith(f"{key}:"), matching[0]
    assert matching[0].fix


def test_check_reports_a_git_key_secret_that_nothing_creates(render_once, tmp_path):
    source = render_once / "deploy" / "prod"
    (tmp_path / "values.yaml").write_text((source / "values.yaml").read_text())
    secrets = [
        s
        for s in yaml.safe_load_all((source / "external-secrets.yaml").read_text())
        if s["metadata"]["name"] != "airflow-git-ssh-key"
    ]
    (tmp_path / "external-secrets.yaml").write_text(dump(secrets, many=True))
    (finding,) = _check(render_once, tmp_path)
    assert "Secret 'airflow-git-ssh-key' with key `gitSshKey` is not among" in finding.what
    line = (tmp_path / "values.yaml").read_text().splitlines()[finding.line - 1]
    assert line.strip() == "sshKeySecret: airflow-git-ssh-key"


def test_check_reports_providers_the_settings_need_but_the_lock_lacks(render_once):
    folder = render_once / "deploy" / "prod"
    locked = set(locked_versions(load_config(render_once)))
    assert {"apache-airflow-providers-google", "apache-airflow-providers-fab"} <= locked
    found = _check(render_once, folder, locked - {"apache-airflow-providers-google"})
    (finding,) = found
    assert "config.secrets.backend needs apache-airflow-providers-google" in finding.what
    assert "dagyard deps add apache-airflow-providers-google" in finding.fix
    line = (folder / "values.yaml").read_text().splitlines()[finding.line - 1]
    assert line.strip().startswith("backend: airflow.providers.google.")
    found = _check(render_once, folder, locked - {"apache-airflow-providers-fab"})
    assert [f.what.split(" needs ")[0] for f in found] == ["config.core.auth_manager"]


def test_deploy_check_command_prints_each_finding_with_its_line(dag_repo):
    out = rendered(dag_repo)
    path = out / "values.yaml"
    path.write_text(path.read_text().replace("    ref: main\n", "", 1))
    result = subprocess.run(
        [DAGYARD, "deploy", "check", "--project", str(dag_repo), "--dir", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    line = next(
        n for n, text in enumerate(path.read_text().splitlines(), 1) if text == "  gitSync:"
    )
    assert f"values.yaml:{line}: git-sync v4 checks out only `ref`" in result.stdout
    assert "Set dags.gitSync.ref: main" in result.stdout
    # Bracketed Airflow sections are printed as written.
    path.write_text(
        path.read_text().replace(
            "  scheduler:\n", "  scheduler:\n    standalone_dag_processor: 'True'\n", 1
        )
    )
    result = subprocess.run(
        [DAGYARD, "deploy", "check", "--project", str(dag_repo), "--dir", str(out)],
        capture_output=True,
        text=True,
    )
    assert "[scheduler] standalone_dag_processor is not an Airflow" in result.stdout
    # Drift is reported too: the file no longer says what dagyard.toml renders.
    assert "dags.gitSync.ref: missing" in result.stdout


def test_deploy_check_explains_a_values_file_that_is_not_yaml(dag_repo):
    out = rendered(dag_repo)
    path = out / "values.yaml"
    text = path.read_text()
    path.write_text(text.replace("    ref: main\n", "  ref: main\n", 1))
    result = subprocess.run(
        [DAGYARD, "deploy", "check", "--project", str(dag_repo), "--dir", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{path}:" in result.stderr.replace("\n", "")
    assert "Traceback" not in result.stderr


def test_keycloak_values_pass_the_schema_and_need_the_keycloak_provider(dag_repo):
    path = dag_repo / "dagyard.toml"
    path.write_text(
        path.read_text().replace(
            'auth_manager = "fab"',
            'auth_manager = "keycloak"\nkeycloak_server_url = "https://sso.example.com"\n'
            'keycloak_realm = "data"\nkeycloak_client_id = "airflow"',
        )
    )
    out = rendered(dag_repo)
    assert chart.schema_errors(values_of(out)) == []
    # The [keycloak_auth_manager] section belongs to that provider: only the lock is reported.
    (finding,) = _check(dag_repo, out)
    assert "needs apache-airflow-providers-keycloak" in finding.what
