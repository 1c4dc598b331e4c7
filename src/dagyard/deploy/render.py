"""Render an environment's files, and say how deployed files drifted from `dagyard.toml`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import yaml

from dagyard.config import Config
from dagyard.deploy import chart
from dagyard.deploy.image import (
    REQUIREMENTS_FILE,
    DeployError,
    dockerfile,
    export_requirements,
    read_lock,
)
from dagyard.deploy.secrets import external_secrets
from dagyard.deploy.validate import manifest_problems, pod_problems
from dagyard.deploy.values import dump, helm_values, worker_pod_preview

VALUES_FILE = "values.yaml"
SECRETS_FILE = "external-secrets.yaml"
NAMESPACE_FILE = "namespace.yaml"
POD_PREVIEW_FILE = "worker-pod.preview.yaml"
DOCKERFILE = "image/Dockerfile"
HEADER = (
    "# Written by `dagyard deploy render --env {env}` from dagyard.toml. Do not edit: change\n"
    "# dagyard.toml and render again; `dagyard deploy check --env {env}` flags drift.\n"
)
VALUES_HEADER = (
    "# Values for the official Apache Airflow Helm chart {chart} ({name} --version {chart}).\n"
)


def values_header(env_name: str, chart_version: str) -> str:
    """The comment block at the top of values.yaml: who wrote it and for which chart version."""
    return HEADER.format(env=env_name) + VALUES_HEADER.format(
        chart=chart_version, name=chart.CHART_NAME
    )


class RenderedFile(NamedTuple):
    """One rendered file: its path inside the output folder and its text."""

    name: str
    text: str


def environment(config: Config, env_name: str) -> Any:
    """The `[deploy.environments.NAME]` section, or a DeployError listing the known ones."""
    if env_name not in config.deploy.environments:
        known = ", ".join(sorted(config.deploy.environments)) or "none"
        raise DeployError(
            f"dagyard.toml has no [deploy.environments.{env_name}] (known: {known}); "
            "add it (see docs/deploy.md) or pick a known one with --env"
        )
    return config.deploy.environments[env_name]


def _documents(manifests: list[dict]) -> str:
    return dump(manifests, many=True)


def render(
    config: Config, env_name: str, out_hint: str = "OUT", helm_chart: chart.Chart | None = None
) -> list[RenderedFile]:
    """Every file of environment `env_name`; raises DeployError if any manifest is invalid.

    With `helm_chart` (the pinned version) the values are validated against its schema too.
    """
    env = environment(config, env_name)
    if helm_chart and helm_chart.version != env.chart_version:
        raise DeployError(
            f"{helm_chart.chart_file} is chart {helm_chart.version}, but dagyard.toml pins "
            f"chart_version {env.chart_version}. To give chart {env.chart_version}, "
            f"{chart.how_to_get(env_name, env.chart_version)}"
        )
    lock = read_lock(config)
    header = HEADER.format(env=env_name)
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": env.namespace}}
    secrets = external_secrets(env)
    pod = worker_pod_preview(config, env_name, lock)
    problems = [
        problem
        for manifest in (namespace, *secrets, pod)
        for problem in manifest_problems(manifest, env.kubernetes_version)
    ]
    problems += pod_problems(pod)
    values = helm_values(config, env_name, lock)
    if helm_chart:
        problems += [
            f"values.yaml: {'.'.join(map(str, error.path))}: {error.message}"
            for error in chart.schema_errors(values, helm_chart)
        ]
    if problems:
        raise DeployError("rendered manifests are not valid:\n  " + "\n  ".join(problems))
    return [
        RenderedFile(VALUES_FILE, values_header(env_name, env.chart_version) + dump(values)),
        RenderedFile(NAMESPACE_FILE, header + _documents([namespace])),
        RenderedFile(SECRETS_FILE, header + _documents(secrets)),
        RenderedFile(POD_PREVIEW_FILE, header + _documents([pod])),
        RenderedFile(DOCKERFILE, dockerfile(config, env, lock, out_hint)),
        RenderedFile(f"image/{REQUIREMENTS_FILE}", export_requirements(config)),
    ]


def write(files: list[RenderedFile], out: Path) -> list[Path]:
    """Write rendered files under `out`; returns their paths."""
    written = []
    for file in files:
        path = out / file.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(file.text, encoding="utf-8")
        written.append(path)
    return written


def _diff(deployed: Any, wanted: Any, path: str = "") -> list[str]:
    if isinstance(deployed, dict) and isinstance(wanted, dict):
        found = []
        for key in [*wanted, *(k for k in deployed if k not in wanted)]:
            sub = f"{path}.{key}" if path else str(key)
            if key not in deployed:
                found.append(f"{sub}: missing (dagyard.toml says {_short(wanted[key])})")
            elif key not in wanted:
                found.append(f"{sub}: not from dagyard.toml (deployed {_short(deployed[key])})")
            else:
                found += _diff(deployed[key], wanted[key], sub)
        return found
    if deployed != wanted:
        return [f"{path}: deployed {_short(deployed)}, dagyard.toml says {_short(wanted)}"]
    return []


def _short(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    text = text.removesuffix("...").strip()
    return text if len(text) <= 80 else text[:77] + "..."


def drift(config: Config, env_name: str, folder: Path) -> list[str]:
    """How the files in `folder` differ from a fresh render ([] when they match).

    Values are compared key by key (so the message names `scheduler.replicas`, not a line);
    other files as a whole.
    """
    found = []
    for file in render(config, env_name):
        path = folder / file.name
        if not path.is_file():
            found.append(f"{file.name}: missing; run `dagyard deploy render --env {env_name}`")
            continue
        text = path.read_text(encoding="utf-8")
        if file.name.endswith(".yaml"):
            deployed = load_documents(path)
            wanted = list(yaml.safe_load_all(file.text))
            if file.name == VALUES_FILE:
                found += [f"{file.name}: {d}" for d in _diff(deployed[0], wanted[0])]
            elif deployed != wanted:
                found.append(f"{file.name}: differs from what dagyard.toml renders")
        elif _strip_comments(text) != _strip_comments(file.text):
            found.append(f"{file.name}: differs from what dagyard.toml and the lock render")
    return found


def load_documents(path: Path) -> list[Any]:
    """The YAML documents of a deployed file, or a DeployError naming the line that breaks."""
    try:
        return list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise DeployError(
            f"{where}: {problem}; fix the indentation or quoting there, or render the file again"
        ) from None


def _strip_comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("#")]


def findings(
    config: Config, env_name: str, folder: Path, helm_chart: chart.Chart | None = None
) -> list[Any]:
    """What the values file in `folder` would do wrong once installed (see `findings.py`)."""
    from dagyard.deploy.deps import locked_versions
    from dagyard.deploy.findings import check_values

    environment(config, env_name)
    if not (folder / VALUES_FILE).is_file():
        return []
    load_documents(folder / VALUES_FILE)
    locked = set(locked_versions(config))
    return check_values(folder, config, env_name, VALUES_FILE, SECRETS_FILE, locked, helm_chart)
