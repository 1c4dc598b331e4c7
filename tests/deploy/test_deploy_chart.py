"""The rendered values against the pinned official chart: its schema, its defaults, and checks.

dagyard does not ship the chart. Tests that need its own `values.schema.json` and default
`values.yaml` take the pulled chart from the `helm_chart` fixture (conftest.py) and are skipped
without it; every other test runs on what dagyard knows itself. Each check of
`dagyard deploy check` is proved by hand-editing a rendered values file back into a state that
would not start, or not start safely.
"""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from dagyard.config import ConfigError, load_config
from dagyard.deploy import chart, render, write
from dagyard.deploy.deps import locked_versions
from dagyard.deploy.findings import check_values
from dagyard.deploy.image import DeployError
from dagyard.deploy.values import dump
from support import DAGYARD

VERSION = "1.21.0"


def rendered(repo: Path) -> Path:
    out = repo / "deploy" / "prod"
    write(render(load_config(repo), "prod"), out)
    return out


def values_of(folder: Path) -> dict:
    return yaml.safe_load((folder / "values.yaml").read_text())


def chart_file(helm_chart: chart.Chart, name: str) -> str:
    """A file of the pulled chart, read here without dagyard's helpers."""
    source = helm_chart.source
    if source.is_dir():
        folder = source if (source / "Chart.yaml").is_file() else source / "airflow"
        return (folder / name).read_text()
    with tarfile.open(source) as archive:
        return archive.extractfile(f"airflow/{name}").read().decode()


def chart_defaults(helm_chart: chart.Chart) -> dict:
    """The chart's default values.yaml, read here without dagyard's helpers."""
    return yaml.safe_load(chart_file(helm_chart, "values.yaml"))


def test_the_pinned_chart_version_is_named_in_the_config_and_the_render(dag_repo):
    assert chart.CHART_VERSION == VERSION
    assert load_config(dag_repo).deploy.environments["prod"].chart_version == VERSION
    text = (rendered(dag_repo) / "values.yaml").read_text()
    assert f"Helm chart {VERSION} (apache-airflow/airflow --version {VERSION})" in text


def test_the_reference_chart_is_the_pinned_version(helm_chart):
    assert yaml.safe_load(chart_file(helm_chart, "Chart.yaml"))["version"] == VERSION
    assert helm_chart.version == VERSION


def test_the_chart_defaults_dagyard_knows_are_the_charts_own(helm_chart):
    """The defaults the checks assume without the chart are what chart 1.21.0 really has."""
    defaults = chart_defaults(helm_chart)
    assert chart.merge(defaults, chart.KNOWN_DEFAULTS) == defaults


def test_rendered_values_pass_the_pinned_charts_schema(dag_repo, helm_chart):
    values = values_of(rendered(dag_repo))
    assert chart.schema_errors(values, helm_chart) == []
    # The chart's own defaults pass too, and a wrong type is caught where it is.
    assert chart.schema_errors(chart_defaults(helm_chart), helm_chart) == []
    values["scheduler"]["replicas"] = "two"
    values["dags"]["gitSync"]["refs"] = "main"
    errors = {error.path: error.message for error in chart.schema_errors(values, helm_chart)}
    assert "'two' is not of type 'integer'" in errors[("scheduler", "replicas")]
    assert "'refs' was unexpected" in errors[("dags", "gitSync")]


def test_merge_works_like_helm():
    defaults = {"a": {"b": 1, "c": [1, 2], "d": "x"}, "e": 1}
    values = {"a": {"c": [3], "d": None}, "f": 2}
    assert chart.merge(defaults, values) == {"a": {"b": 1, "c": [3]}, "e": 1, "f": 2}
    assert defaults == {"a": {"b": 1, "c": [1, 2], "d": "x"}, "e": 1}


def test_merged_with_the_charts_defaults_production_gets_what_it_needs(dag_repo, helm_chart):
    defaults = chart_defaults(helm_chart)
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
    mappings = chart.statsd_mappings(merged, helm_chart)
    assert mappings[0]["match"] == "airflow.scheduler_heartbeat"
    assert mappings[-1].get("action") == "drop"


def test_worker_resources_follow_the_default_preset(dag_repo):
    path = dag_repo / "dagyard.toml"
    path.write_text(
        path.read_text().replace("[resources]\n", '[resources]\ndefault = "medium"\n', 1)
    )
    merged = chart.installed(values_of(rendered(dag_repo)))
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


def _check(
    repo: Path, folder: Path, locked: set[str] | None = None, helm_chart: Any = None
) -> list:
    config = load_config(repo)
    locked = set(locked_versions(config)) if locked is None else locked
    return check_values(
        folder, config, "prod", "values.yaml", "external-secrets.yaml", locked, helm_chart
    )


def test_a_fresh_render_has_no_findings(render_once):
    assert _check(render_once, render_once / "deploy" / "prod") == []


def test_a_fresh_render_has_no_findings_with_the_chart(render_once, helm_chart):
    assert _check(render_once, render_once / "deploy" / "prod", helm_chart=helm_chart) == []


# The schema needs the chart itself; every other check runs with or without it.
CASES = [(case, False) for case in sorted(REINTRODUCED) if case != "schema"]
CASES += [(case, True) for case in sorted(REINTRODUCED)]


@pytest.mark.parametrize(("case", "with_chart"), CASES)
def test_check_reports_each_problem_a_hand_edit_reintroduces(
    render_once, tmp_path, request, case, with_chart
):
    helm_chart = request.getfixturevalue("helm_chart") if with_chart else None
    edit, says, key = REINTRODUCED[case]
    source = render_once / "deploy" / "prod"
    folder = tmp_path / "prod"
    folder.mkdir()
    (folder / "external-secrets.yaml").write_text((source / "external-secrets.yaml").read_text())
    values = values_of(source)
    edit(values)
    (folder / "values.yaml").write_text(dump(values))
    found = _check(render_once, folder, helm_chart=helm_chart)
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


def _use_keycloak(repo: Path) -> Path:
    path = repo / "dagyard.toml"
    path.write_text(
        path.read_text().replace(
            'auth_manager = "fab"',
            'auth_manager = "keycloak"\nkeycloak_server_url = "https://sso.example.com"\n'
            'keycloak_realm = "data"\nkeycloak_client_id = "airflow"',
        )
    )
    return rendered(repo)


def test_keycloak_values_pass_the_schema(dag_repo, helm_chart):
    out = _use_keycloak(dag_repo)
    assert chart.schema_errors(values_of(out), helm_chart) == []


def test_keycloak_values_need_the_keycloak_provider(dag_repo):
    out = _use_keycloak(dag_repo)
    # The [keycloak_auth_manager] section belongs to that provider: only the lock is reported.
    (finding,) = _check(dag_repo, out)
    assert "needs apache-airflow-providers-keycloak" in finding.what


def small_chart(folder: Path, version: str = VERSION, name: str = "airflow") -> Path:
    """A chart folder with the files dagyard reads and nothing in them: tests the input only."""
    (folder / "files").mkdir(parents=True)
    (folder / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: {version}\n")
    (folder / "values.yaml").write_text("{}\n")
    (folder / "values.schema.json").write_text("{}\n")
    (folder / "files" / "statsd-mappings.yml").write_text("mappings: []\n")
    return folder


def test_the_chart_is_read_from_a_folder_the_folder_above_it_or_a_tgz(tmp_path):
    small_chart(tmp_path / "charts" / "airflow")
    package = tmp_path / "airflow-1.21.0.tgz"
    with tarfile.open(package, "w:gz") as archive:
        archive.add(tmp_path / "charts" / "airflow", arcname="airflow")
    for given in (tmp_path / "charts" / "airflow", tmp_path / "charts", package):
        loaded = chart.load(given)
        assert (loaded.version, loaded.defaults, loaded.statsd_mappings) == (VERSION, {}, [])
    assert chart.load(package).chart_file == package
    assert chart.load(tmp_path / "charts").chart_file == tmp_path / "charts/airflow/Chart.yaml"


def test_a_chart_that_is_not_there_or_not_airflows_is_explained(tmp_path):
    pull = "helm pull apache-airflow/airflow --version 1.21.0 --untar -d charts"
    with pytest.raises(DeployError, match="does not exist") as caught:
        chart.load(tmp_path / "nowhere", "--chart")
    assert str(caught.value).startswith(f"--chart: {tmp_path / 'nowhere'} does not exist")
    assert pull in str(caught.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DeployError, match=r"has no Chart\.yaml, so it is not the Apache Airflow"):
        chart.load(tmp_path / "empty")
    with pytest.raises(DeployError, match="is the chart 'grafana', not Apache Airflow's"):
        chart.load(small_chart(tmp_path / "grafana", name="grafana"))
    (tmp_path / "broken.tgz").write_bytes(b"not a tar")
    with pytest.raises(DeployError, match=r"neither a chart folder nor a readable \.tgz"):
        chart.load(tmp_path / "broken.tgz")


def test_a_chart_of_another_version_is_a_finding(render_once, tmp_path):
    old = chart.load(small_chart(tmp_path / "airflow", version="1.20.0"))
    found = _check(render_once, render_once / "deploy" / "prod", helm_chart=old)
    (finding,) = found
    assert finding.file == str(tmp_path / "airflow" / "Chart.yaml")
    assert finding.line == 3
    assert "the chart given is version 1.20.0, but dagyard.toml pins chart_version 1.21.0" in (
        finding.what
    )
    assert "helm pull apache-airflow/airflow --version 1.21.0" in finding.fix
    with pytest.raises(DeployError, match=r"is chart 1\.20\.0, but dagyard\.toml pins"):
        render(load_config(render_once), "prod", helm_chart=old)


def _deploy_check(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [DAGYARD, "deploy", "check", "--project", str(repo), *args],
        capture_output=True,
        text=True,
    )


def test_deploy_check_says_once_what_it_skipped_without_the_chart(dag_repo):
    rendered(dag_repo)
    result = _deploy_check(dag_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("not given") == 1
    assert (
        "Chart 1.21.0 not given (dagyard does not ship it), so the schema and chart-defaults "
        "checks were skipped" in result.stdout
    )
    assert "helm pull apache-airflow/airflow --version 1.21.0 --untar -d charts" in result.stdout
    assert "no problem found without the chart" in result.stdout


def test_deploy_check_reads_the_chart_from_chart_path_relative_to_the_repo(dag_repo):
    rendered(dag_repo)
    small_chart(dag_repo / "charts" / "airflow", version="1.20.0")
    path = dag_repo / "dagyard.toml"
    path.write_text(
        path.read_text().replace(
            "[deploy.environments.prod]\n",
            '[deploy.environments.prod]\nchart_path = "charts/airflow"\n',
        )
    )
    result = _deploy_check(dag_repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "not given" not in result.stdout
    assert "charts/airflow/Chart.yaml:3: the chart given is version 1.20.0" in result.stdout
    # --chart wins over chart_path.
    result = _deploy_check(dag_repo, "--chart", str(tmp := dag_repo / "nowhere"))
    assert result.returncode == 2
    assert f"--chart: {tmp} does not exist" in result.stderr


def test_chart_path_is_a_local_path_not_a_url(dag_repo):
    path = dag_repo / "dagyard.toml"
    path.write_text(
        path.read_text().replace(
            "[deploy.environments.prod]\n",
            '[deploy.environments.prod]\nchart_path = "https://airflow.apache.org/x.tgz"\n',
        )
    )
    with pytest.raises(ConfigError) as caught:
        load_config(dag_repo)
    (problem,) = caught.value.problems
    assert path.read_text().splitlines()[problem.line - 1].startswith("chart_path = ")
    assert "chart_path is a folder or .tgz on this machine" in problem.message


def test_deploy_check_with_the_chart_validates_against_its_schema(dag_repo, helm_chart):
    out = rendered(dag_repo)
    path = out / "values.yaml"
    path.write_text(path.read_text().replace("  replicas: 2\n", "  replicas: two\n", 1))
    result = _deploy_check(dag_repo, "--chart", str(helm_chart.source))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "not given" not in result.stdout
    assert "is not of type 'integer' (schema of chart 1.21.0)" in result.stdout
