"""The official Apache Airflow Helm chart that the rendered values are for.

dagyard pins one chart version but does not ship the chart. Given the chart as `helm pull`
writes it (a folder or a .tgz), values are validated against its own `values.schema.json` and
merged into its default `values.yaml` the way Helm merges a values file, so a check can ask what
an installation would really get. Without the chart, the checks lay the values over the few
defaults of the pinned version that dagyard knows itself (`KNOWN_DEFAULTS`).
"""

from __future__ import annotations

import copy
import json
import tarfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from dagyard.config import Config
from dagyard.deploy.image import DeployError

CHART_VERSION = "1.21.0"
CHART_REPOSITORY = "https://airflow.apache.org"
CHART_NAME = "apache-airflow/airflow"
CHART_FILE = "Chart.yaml"
SCHEMA_FILE = "values.schema.json"
DEFAULTS_FILE = "values.yaml"
STATSD_FILE = "files/statsd-mappings.yml"
CHART_FILES = (CHART_FILE, SCHEMA_FILE, DEFAULTS_FILE, STATSD_FILE)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# What chart 1.21.0 does when a values file leaves these keys out: the defaults the checks of
# `dagyard deploy check` ask about. With the chart at hand, its whole `values.yaml` is used.
KNOWN_DEFAULTS: dict[str, Any] = {
    "executor": "CeleryExecutor",
    "scheduler": {"replicas": 1},
    "createUserJob": {"enabled": True, "defaultUser": {"role": "Admin", "username": "admin"}},
    "workers": {"resources": {}, "kubernetes": {"resources": {}}},
    "databaseCleanup": {"enabled": False},
    "dags": {"gitSync": {"enabled": False, "ref": "v2-2-stable"}},
    "statsd": {"enabled": True},
}


class SchemaError(NamedTuple):
    """One place where values break the chart's schema: the key path and what is wrong."""

    path: tuple[str | int, ...]
    message: str


class Chart(NamedTuple):
    """The parts of a pulled chart that dagyard reads."""

    source: Path
    chart_file: Path  # its Chart.yaml, or the .tgz that holds it
    version: str
    version_line: int  # line of `version:` in Chart.yaml (0 inside a .tgz)
    schema: dict[str, Any]
    defaults: dict[str, Any]
    statsd_mappings: list[dict[str, Any]]


def pull_command(version: str = CHART_VERSION) -> str:
    """The Helm command that puts chart `version` in `charts/airflow/`."""
    return f"helm pull {CHART_NAME} --version {version} --untar -d charts"


def how_to_get(env_name: str, version: str = CHART_VERSION) -> str:
    """How to get the chart and hand it to dagyard (a sentence without its capital)."""
    return (
        f"run `helm repo add apache-airflow {CHART_REPOSITORY}` "
        f"and `{pull_command(version)}`, then pass `--chart charts/airflow` or set "
        f'chart_path = "charts/airflow" under [deploy.environments.{env_name}] in dagyard.toml'
    )


def skipped_note(env_name: str, version: str = CHART_VERSION, *, render: bool = False) -> str:
    """What `deploy check` (or `render`) skipped without the chart, and how to provide it."""
    skipped = (
        f"the values were not validated against its {SCHEMA_FILE}"
        if render
        else f"the schema and chart-defaults checks were skipped ({SCHEMA_FILE}, and the "
        f"chart's own {DEFAULTS_FILE} and statsd mappings); the other checks ran, with the "
        "chart defaults dagyard knows"
    )
    return (
        f"Chart {version} not given (dagyard does not ship it), so {skipped}. To give it, "
        f"{how_to_get(env_name, version)}."
    )


def locate(config: Config, env_name: str, given: Path | None = None) -> Chart | None:
    """The chart `--chart` names, else the environment's `chart_path`, else None."""
    if given is not None:
        return load(given.resolve(), "--chart", env_name)
    chart_path = config.deploy.environments[env_name].chart_path
    if chart_path:
        where = f"chart_path = {chart_path!r} ([deploy.environments.{env_name}] in dagyard.toml)"
        return load(config.expand(chart_path) or config.root, where, env_name)
    return None


def load(path: Path, named_by: str = "the chart", env_name: str = "prod") -> Chart:
    """Read a chart folder or .tgz as `helm pull` writes it, or a DeployError saying why not.

    A folder may be the chart itself (with `Chart.yaml`) or the folder `helm pull --untar`
    wrote it into (with `airflow/Chart.yaml`).
    """
    if not path.exists():
        raise DeployError(f"{named_by}: {path} does not exist; {how_to_get(env_name)}")
    stat = path.stat()
    return _load(path, stat.st_mtime_ns, stat.st_size, named_by, env_name)


@cache
def _load(path: Path, _mtime: int, _size: int, named_by: str, env_name: str) -> Chart:
    files, chart_file = _files(path, named_by, env_name)
    texts = {}
    for name in CHART_FILES:
        text = files(name)
        if text is None:
            raise DeployError(
                f"{named_by}: {path} has no {name}, so it is not the Apache Airflow Helm chart "
                f"as `helm pull` writes it; {how_to_get(env_name)}"
            )
        texts[name] = text
    try:
        meta = yaml.safe_load(texts[CHART_FILE]) or {}
        schema = json.loads(texts[SCHEMA_FILE])
        defaults = yaml.load(texts[DEFAULTS_FILE], Loader=_Loader) or {}
        mappings = (yaml.safe_load(texts[STATSD_FILE]) or {}).get("mappings") or []
    except (yaml.YAMLError, json.JSONDecodeError) as error:
        raise DeployError(
            f"{named_by}: a file of {path} cannot be read ({error}); pull the chart again"
        ) from None
    if meta.get("name") != "airflow":
        raise DeployError(
            f"{named_by}: {path} is the chart {meta.get('name')!r}, not Apache Airflow's "
            f"`airflow` chart; {how_to_get(env_name)}"
        )
    version = str(meta.get("version"))
    lines = texts[CHART_FILE].splitlines()
    line = next((n for n, text in enumerate(lines, 1) if text.startswith("version:")), 0)
    line = 0 if chart_file == path else line
    return Chart(path, chart_file, version, line, schema, defaults, list(mappings))


def _files(path: Path, named_by: str, env_name: str) -> tuple[Callable[[str], str | None], Path]:
    """A reader `name -> text or None` over the chart's files in a folder or a .tgz, and where
    its Chart.yaml is (the .tgz itself for a package)."""
    if path.is_dir():
        root = path if (path / CHART_FILE).is_file() else path / "airflow"

        def from_folder(name: str) -> str | None:
            file = root / name
            return file.read_text(encoding="utf-8") if file.is_file() else None

        return from_folder, root / CHART_FILE
    texts: dict[str, str] = {}
    try:
        with tarfile.open(path) as archive:
            names = archive.getnames()
            charts = [n for n in names if n.count("/") == 1 and n.endswith("/" + CHART_FILE)]
            top = charts[0].split("/")[0] if charts else ""
            for name in CHART_FILES:
                member = archive.extractfile(f"{top}/{name}") if f"{top}/{name}" in names else None
                if member:
                    texts[name] = member.read().decode("utf-8")
    except (tarfile.TarError, EOFError, UnicodeDecodeError):
        raise DeployError(
            f"{named_by}: {path} is neither a chart folder nor a readable .tgz chart package; "
            f"{how_to_get(env_name)}"
        ) from None
    return texts.get, path


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


def installed(values: dict[str, Any], chart: Chart | None = None) -> dict[str, Any]:
    """What an installation with this values file would run with.

    Merged into the chart's whole `values.yaml` when the chart is given, else into the
    defaults dagyard knows (`KNOWN_DEFAULTS`).
    """
    return merge(chart.defaults if chart else KNOWN_DEFAULTS, values)


def schema_errors(values: dict[str, Any], chart: Chart) -> list[SchemaError]:
    """Every place `values` breaks the chart's `values.schema.json` ([] when valid)."""
    import jsonschema

    validator = jsonschema.Draft7Validator(chart.schema)
    errors = sorted(validator.iter_errors(values), key=lambda e: list(map(str, e.absolute_path)))
    return [SchemaError(tuple(error.absolute_path), error.message) for error in errors]


def statsd_mappings(merged: dict[str, Any], chart: Chart | None = None) -> list[dict]:
    """The statsd-exporter mappings the chart writes for these (merged) values, in order.

    `overrideMappings` replaces the chart's own list; otherwise the chart's list comes first
    and `extraMappings` follow it (chart `templates/configmaps/statsd-configmap.yaml`). Without
    the chart its own list is unknown, so only the values' own rules are returned.
    """
    statsd = merged.get("statsd") or {}
    if statsd.get("overrideMappings"):
        return list(statsd["overrideMappings"])
    own = list(chart.statsd_mappings) if chart else []
    return own + list(statsd.get("extraMappings") or [])


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
