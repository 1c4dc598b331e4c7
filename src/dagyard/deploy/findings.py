"""What a values file would really do once installed: the checks behind `dagyard deploy check`.

The file is read with ruamel.yaml (so every finding names its line). When the pinned chart is
given (`dagyard.deploy.chart`), the file is validated against its `values.schema.json` and
merged into its default `values.yaml` the way Helm does; without it, into the chart defaults
dagyard knows. The merged result is asked the questions that decide whether production starts
and starts safe: which ref git-sync checks out, whether it can clone and checks the host,
whether the chart creates a shared admin account, what task pods request, whether the clean-up
runs, the executor and schedulers, Airflow settings that Airflow 3 no longer has, providers the
settings need, and whether the statsd mapping still produces every metric the dashboard queries.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

from dagyard.config import Config, DeployEnvironmentSection, is_ssh_url
from dagyard.deploy import chart
from dagyard.deploy.secrets import GIT_SSH_KEY

EXECUTOR_PROVIDERS = {
    "KubernetesExecutor": "apache-airflow-providers-cncf-kubernetes",
    "CeleryExecutor": "apache-airflow-providers-celery",
    "EdgeExecutor": "apache-airflow-providers-edge3",
}
# Provider packages whose module path has two parts (airflow.providers.cncf.kubernetes).
TWO_PART_PROVIDERS = {"apache", "cncf", "common", "microsoft", "dbt"}
PROVIDER_PATH = re.compile(r"\bairflow\.providers\.([a-z0-9_]+)(?:\.([a-z0-9_]+))?")


class Finding(NamedTuple):
    """One problem: the file and line, what is wrong, and what to do.

    `file` is relative to the folder of the values file, or absolute; `line` is 0 when there is
    no line to point at (a file inside a .tgz).
    """

    file: str
    line: int
    what: str
    fix: str

    @property
    def where(self) -> str:
        """`file:line`, or the file alone when there is no line."""
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        return f"{self.where}: {self.what}. {self.fix}"


class _Values(NamedTuple):
    """A values file: its name, the parsed document (with line numbers), plain data, merged."""

    name: str
    doc: Any
    data: dict[str, Any]
    merged: dict[str, Any]


def _read(path: Path) -> tuple[Any, dict[str, Any]]:
    from ruamel.yaml import YAML

    doc = YAML(typ="rt").load(path.read_text(encoding="utf-8")) or {}
    return doc, _plain(doc)


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def line_of(doc: Any, path: tuple[Any, ...]) -> int:
    """1-based line of the deepest key of `path` present in `doc` (1 when none is)."""
    line, node = 0, doc
    for part in path:
        if isinstance(node, dict) and part in node:
            line = node.lc.key(part)[0] if hasattr(node, "lc") else line
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            line = node.lc.item(part)[0] if hasattr(node, "lc") else line
            node = node[part]
        else:
            break
    return line + 1


def _get(data: dict[str, Any], *path: str) -> Any:
    for part in path:
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _finding(values: _Values, path: tuple[Any, ...], what: str, fix: str) -> Finding:
    return Finding(values.name, line_of(values.doc, path), what, fix)


def check_values(
    folder: Path,
    config: Config,
    env_name: str,
    values_file: str,
    secrets_file: str,
    locked: set[str],
    helm_chart: chart.Chart | None = None,
) -> list[Finding]:
    """Every finding about `folder/values_file` (and the ExternalSecrets next to it).

    With `helm_chart` (of the pinned version) the values are also validated against its schema
    and merged into its own defaults; a chart of another version is itself a finding.
    """
    env = config.deploy.environments[env_name]
    found = _chart_version(helm_chart, env, env_name)
    if found:
        helm_chart = None
    path = folder / values_file
    doc, data = _read(path)
    values = _Values(values_file, doc, data, chart.installed(data, helm_chart))
    found += _schema(values, helm_chart) if helm_chart else []
    found += _git_sync(values, env, folder / secrets_file)
    found += _safety(values, env)
    found += _settings(values)
    found += _providers(values, locked)
    found += _statsd(values, helm_chart)
    return sorted(found, key=lambda f: (f.file != values_file, f.line))


def _chart_version(
    helm_chart: chart.Chart | None, env: DeployEnvironmentSection, env_name: str
) -> list[Finding]:
    if helm_chart is None or helm_chart.version == env.chart_version:
        return []
    return [
        Finding(
            str(helm_chart.chart_file),
            helm_chart.version_line,
            f"the chart given is version {helm_chart.version}, but dagyard.toml pins "
            f"chart_version {env.chart_version}, so the values were not checked against its "
            "schema and defaults",
            f"To give chart {env.chart_version}, {chart.how_to_get(env_name, env.chart_version)}.",
        )
    ]


def _schema(values: _Values, helm_chart: chart.Chart) -> list[Finding]:
    return [
        _finding(
            values,
            error.path,
            f"{'.'.join(map(str, error.path)) or 'the file'}: {error.message} "
            f"(schema of chart {helm_chart.version})",
            "Correct or remove it; `dagyard deploy render` writes values the chart accepts.",
        )
        for error in chart.schema_errors(values.data, helm_chart)
    ]


def _git_sync(values: _Values, env: DeployEnvironmentSection, secrets: Path) -> list[Finding]:
    git_sync = _get(values.merged, "dags", "gitSync") or {}
    if not git_sync.get("enabled"):
        return []
    where = ("dags", "gitSync")
    found = []
    ref = chart.git_sync_ref(values.merged)
    if ref != env.git_branch:
        own = _get(values.data, "dags", "gitSync", "ref")
        source = "" if own else " (the chart's default)"
        found.append(
            _finding(
                values,
                (*where, "ref"),
                f"git-sync v4 checks out only `ref`, which is {ref!r}{source}, not the branch "
                f"{env.git_branch!r} that dagyard.toml names; every pod that mounts DAGs would "
                "wait for a ref that does not exist",
                f"Set dags.gitSync.ref: {env.git_branch} (branch and rev are for git-sync v3).",
            )
        )
    repo = str(git_sync.get("repo") or "")
    if not is_ssh_url(repo):
        return found
    key_secret = git_sync.get("sshKeySecret")
    if not key_secret and not git_sync.get("sshKey"):
        found.append(
            _finding(
                values,
                where,
                f"git-sync clones {repo} over SSH but no key is given, so it cannot clone",
                f"Set dags.gitSync.sshKeySecret: {env.git_ssh_key_secret} and apply the "
                "ExternalSecret `dagyard deploy render` writes for it.",
            )
        )
    elif key_secret and not _provides(secrets, key_secret, GIT_SSH_KEY):
        found.append(
            _finding(
                values,
                (*where, "sshKeySecret"),
                f"Secret {key_secret!r} with key `{GIT_SSH_KEY}` is not among the "
                f"ExternalSecrets in {secrets.name}; pods that mount DAGs would wait in "
                "ContainerCreating",
                "Render again so the ExternalSecret is written, or create that Secret yourself.",
            )
        )
    if not git_sync.get("knownHosts"):
        found.append(
            _finding(
                values,
                where,
                "dags.gitSync.knownHosts is not set, so git-sync does not check the Git "
                "server's host key",
                "Set git_known_hosts in dagyard.toml (the server's published host keys) and "
                "render again.",
            )
        )
    return found


def _provides(secrets: Path, name: str, key: str) -> bool:
    import yaml

    if not secrets.is_file():
        return False
    for manifest in yaml.safe_load_all(secrets.read_text(encoding="utf-8")):
        spec = (manifest or {}).get("spec") or {}
        target = (spec.get("target") or {}).get("name") or _get(manifest, "metadata", "name")
        if target == name and any(d.get("secretKey") == key for d in spec.get("data") or []):
            return True
    return False


def _safety(values: _Values, env: DeployEnvironmentSection) -> list[Finding]:
    merged, found = values.merged, []
    if chart.default_user_enabled(merged):
        legacy = _get(values.data, "webserver", "defaultUser")
        where = ("webserver", "defaultUser") if legacy else ("createUserJob", "enabled")
        user = (legacy or _get(merged, "createUserJob", "defaultUser")) or {}
        found.append(
            _finding(
                values,
                where,
                f"the chart's create-user job would make a shared {user.get('role', 'Admin')} "
                f"account {user.get('username', 'admin')!r} with the password in this file",
                "Set createUserJob.enabled: false (and no webserver.defaultUser); people get "
                "their own accounts with `dagyard rbac sync` (docs/security.md).",
            )
        )
    resources = chart.worker_setting(merged, "resources") or {}
    if not resources.get("requests"):
        found.append(
            _finding(
                values,
                ("workers", "kubernetes", "resources"),
                "task pods that choose no size get no CPU or memory requests, so the worker "
                "pool cannot place or scale for them",
                "Set workers.kubernetes.resources (dagyard.toml `[resources] default`, or the "
                "platform default `dagyard deploy render` writes).",
            )
        )
    if not _get(merged, "databaseCleanup", "enabled"):
        found.append(
            _finding(
                values,
                ("databaseCleanup", "enabled"),
                "the database clean-up CronJob is off, so the metadata database grows forever",
                "Set databaseCleanup.enabled: true (retention comes from `[cleanup]`).",
            )
        )
    if merged.get("executor") != "KubernetesExecutor":
        found.append(
            _finding(
                values,
                ("executor",),
                f"executor is {merged.get('executor')!r}; dagyard's production runs each task "
                "in its own pod with KubernetesExecutor",
                "Set executor: KubernetesExecutor.",
            )
        )
    replicas = _get(merged, "scheduler", "replicas")
    if isinstance(replicas, int) and replicas < 2:  # a wrong type is a schema finding
        found.append(
            _finding(
                values,
                ("scheduler", "replicas"),
                f"{replicas} scheduler(s): when it stops, nothing is scheduled",
                f"Set scheduler.replicas: {max(env.scheduler_replicas, 2)} (two or more).",
            )
        )
    return found


def _settings(values: _Values) -> list[Finding]:
    import airflow

    from dagyard.deploy.airflow_reference import config_options

    known, found = config_options(), []
    used_providers = {name for name, _path in _provider_uses(values.data)}
    for section, options in (values.data.get("config") or {}).items():
        if section not in known:
            if not any(section.startswith(p.split("-")[-1]) for p in used_providers):
                found.append(
                    _finding(
                        values,
                        ("config", section),
                        f"Airflow {airflow.__version__} has no [{section}] section; "
                        "these settings have no effect",
                        "Remove it (see Airflow's configuration reference for the new place).",
                    )
                )
            continue
        for option in options or {}:
            if option not in known[section]:
                found.append(
                    _finding(
                        values,
                        ("config", section, option),
                        f"[{section}] {option} is not an Airflow {airflow.__version__} setting "
                        "(an Airflow 2 option?), so it has no effect",
                        "Remove it.",
                    )
                )
    return found


def _provider_uses(data: dict[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    """(provider package, values path) for each setting that needs a provider."""
    uses = []
    executors = str(data.get("executor") or _get(data, "config", "core", "executor") or "")
    for executor in filter(None, (e.strip() for e in executors.split(","))):
        if executor in EXECUTOR_PROVIDERS:
            where = ("executor",) if data.get("executor") else ("config", "core", "executor")
            uses.append((EXECUTOR_PROVIDERS[executor], where))
    for section, options in (data.get("config") or {}).items():
        for option, value in (options or {}).items():
            for first, second in PROVIDER_PATH.findall(str(value)):
                parts = [first, second] if first in TWO_PART_PROVIDERS and second else [first]
                package = "apache-airflow-providers-" + "-".join(parts).replace("_", "-")
                uses.append((package, ("config", section, option)))
    return uses


def _providers(values: _Values, locked: set[str]) -> list[Finding]:
    found, seen = [], set()
    for package, where in _provider_uses(values.data):
        if package in locked or package in seen:
            continue
        seen.add(package)
        found.append(
            _finding(
                values,
                where,
                f"{'.'.join(where)} needs {package}, which the DAG repo's uv.lock does not pin; "
                "production would run whatever version the base image bundles",
                f"Run `dagyard deps add {package}` in the DAG repo and commit pyproject.toml and "
                "uv.lock.",
            )
        )
    return found


def _statsd(values: _Values, helm_chart: chart.Chart | None) -> list[Finding]:
    from dagyard.deploy.monitoring.mapping import (
        Mapper,
        queried_metrics,
        sent_statsd_names,
        unproduced,
    )

    if not _get(values.merged, "statsd", "enabled"):
        return []
    mapper = Mapper(chart.statsd_mappings(values.merged, helm_chart))
    missing = unproduced(mapper, queried_metrics(), sent_statsd_names())
    own = "overrideMappings" if _get(values.data, "statsd", "overrideMappings") else "extraMappings"
    return [
        _finding(
            values,
            ("statsd", own),
            f"the statsd mapping leaves the dashboard and alert rules without `{metric}`: {reason}",
            "Use dagyard's mapping as statsd.overrideMappings (render again), with any rule of "
            "your own placed before the final catch-all `drop`.",
        )
        for metric, reason in missing.items()
    ]
