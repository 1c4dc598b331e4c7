"""The official Apache Airflow Helm chart that the rendered values are for.

dagyard pins one chart version and ships that version's own `values.schema.json`, default
`values.yaml` and statsd mappings (with the chart's LICENSE and NOTICE) under `chart/<version>/`.
Values are validated against that schema, and merged into those defaults the way Helm merges a
values file, so a check can ask what an installation would really get.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import yaml

CHART_VERSION = "1.21.0"
SUPPORTED_VERSIONS = (CHART_VERSION,)
CHART_REPOSITORY = "https://airflow.apache.org"
CHART_NAME = "apache-airflow/airflow"
HERE = Path(__file__).parent


class SchemaError(NamedTuple):
    """One place where values break the chart's schema: the key path and what is wrong."""

    path: tuple[str | int, ...]
    message: str


def folder(version: str = CHART_VERSION) -> Path:
    """Where the vendored files of chart `version` live."""
    return HERE / version


@cache
def schema(version: str = CHART_VERSION) -> dict[str, Any]:
    """The chart's `values.schema.json`."""
    return json.loads((folder(version) / "values.schema.json").read_text(encoding="utf-8"))


@cache
def _defaults(version: str) -> dict[str, Any]:
    return yaml.safe_load((folder(version) / "values.yaml").read_text(encoding="utf-8"))


def default_values(version: str = CHART_VERSION) -> dict[str, Any]:
    """The chart's default `values.yaml` (a fresh copy each call)."""
    return copy.deepcopy(_defaults(version))


def default_statsd_mappings(version: str = CHART_VERSION) -> list[dict[str, Any]]:
    """The statsd-exporter mappings the chart ships (`files/statsd-mappings.yml`)."""
    path = folder(version) / "files" / "statsd-mappings.yml"
    return list((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("mappings", []))


def merge(defaults: Any, values: Any) -> Any:
    """`values` laid over `defaults` the way Helm does it.

    Maps merge key by key; a list or a plain value replaces the default; `null` removes the key.
    """
    if not isinstance(defaults, dict) or not isinstance(values, dict):
        return copy.deepcopy(values)
    merged = copy.deepcopy(defaults)
    for key, value in values.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def installed(values: dict[str, Any], version: str = CHART_VERSION) -> dict[str, Any]:
    """What an installation of chart `version` with this values file would run with."""
    return merge(default_values(version), values)


def schema_errors(values: dict[str, Any], version: str = CHART_VERSION) -> list[SchemaError]:
    """Every place `values` breaks the chart's `values.schema.json` ([] when valid)."""
    import jsonschema

    validator = jsonschema.Draft7Validator(schema(version))
    errors = sorted(validator.iter_errors(values), key=lambda e: list(map(str, e.absolute_path)))
    return [SchemaError(tuple(error.absolute_path), error.message) for error in errors]


def statsd_mappings(merged: dict[str, Any], version: str = CHART_VERSION) -> list[dict]:
    """The statsd-exporter mappings the chart writes for these (merged) values, in order.

    `overrideMappings` replaces the chart's own list; otherwise the chart's list comes first
    and `extraMappings` follow it (chart `templates/configmaps/statsd-configmap.yaml`).
    """
    statsd = merged.get("statsd") or {}
    if statsd.get("overrideMappings"):
        return list(statsd["overrideMappings"])
    return default_statsd_mappings(version) + list(statsd.get("extraMappings") or [])


def default_user_enabled(merged: dict[str, Any]) -> bool:
    """Whether the chart's create-user job runs (`createUserJob.isEnabled` in its helpers).

    A `webserver.defaultUser` block (deprecated) wins; otherwise `createUserJob.enabled`.
    """
    legacy = (merged.get("webserver") or {}).get("defaultUser")
    if legacy:
        return bool(legacy.get("enabled"))
    return bool((merged.get("createUserJob") or {}).get("enabled"))


def worker_setting(merged: dict[str, Any], key: str) -> Any:
    """A KubernetesExecutor worker pod setting as the chart's pod template picks it.

    `workers.kubernetes.KEY`, else `workers.KEY` (deprecated), else the top-level `KEY` for
    scheduling settings (chart `files/pod-template-file.kubernetes-helm-yaml`).
    """
    workers = merged.get("workers") or {}
    chain = [(workers.get("kubernetes") or {}).get(key), workers.get(key)]
    if key in ("nodeSelector", "affinity", "tolerations", "topologySpreadConstraints"):
        chain.append(merged.get(key))
    return next((value for value in chain if value), chain[-1])


def git_sync_ref(merged: dict[str, Any]) -> str | None:
    """The ref git-sync v4 checks out (`dags.gitSync.ref`; v4 ignores `branch` and `rev`)."""
    return ((merged.get("dags") or {}).get("gitSync") or {}).get("ref")
