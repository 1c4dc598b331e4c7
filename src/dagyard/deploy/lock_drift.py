"""Drift between the one dependency list and what is used: pyproject.toml, uv.lock, .venv, deploy.

Three comparisons, each a list of `Drift`s (empty: in agreement):

- `pyproject_vs_lock`: uv.lock was made from another pyproject.toml (`uv lock --check`).
- `environment_vs_lock`: the DAG repository's `.venv` holds other versions than uv.lock pins, or
  misses a package, or has one the lock does not list.
- `airflow_vs_render`: a rendered deploy folder (`deploy/<env>/`) names another Airflow
  than the lock.
"""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from importlib import metadata
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlparse

from packaging.markers import InvalidMarker, Marker
from packaging.utils import canonicalize_name

from dagyard.config import Config
from dagyard.deploy.image import LOCK_FILE, uv_binary

PYPROJECT = "pyproject.toml"
ENVIRONMENT = ".venv"


class Drift(NamedTuple):
    """One disagreement: what, what to do, and where (file, line)."""

    message: str
    hint: str
    file: Path
    line: int | None = None


def uv_env() -> dict[str, str]:
    """The environment for running uv on a DAG repository: its own `.venv`, whatever is active."""
    env = dict(os.environ)
    for name in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "CONDA_PREFIX"):
        env.pop(name, None)
    return env


def _declared_names(pyproject: dict) -> set[str]:
    from packaging.requirements import InvalidRequirement, Requirement

    texts = list(pyproject.get("project", {}).get("dependencies", []))
    for group in pyproject.get("dependency-groups", {}).values():
        texts += [item for item in group if isinstance(item, str)]
    names = set()
    for text in texts:
        try:
            names.add(canonicalize_name(Requirement(text).name))
        except InvalidRequirement:
            continue
    return names


def _locked_root(lock: dict, pyproject: dict) -> dict | None:
    name = canonicalize_name(pyproject.get("project", {}).get("name", ""))
    for package in lock.get("package", []):
        if package.get("name") == name:
            return package
    return None


def _locked_requirement_names(root: dict) -> set[str]:
    meta = root.get("metadata", {})
    names = {item["name"] for item in meta.get("requires-dist", [])}
    for group in meta.get("requires-dev", {}).values():
        names |= {item["name"] for item in group}
    return {canonicalize_name(n) for n in names}


def _line_of(path: Path, name: str) -> int | None:
    pattern = re.compile(rf"""["']{re.escape(name)}\b""", re.IGNORECASE)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if pattern.search(line):
            return number
    return None


def _static_difference(root: Path, pyproject: dict, lock: dict) -> list[Drift]:
    locked_root = _locked_root(lock, pyproject)
    if locked_root is None:
        return [
            Drift(
                f"uv.lock was not made from this pyproject.toml (no entry for "
                f"{pyproject.get('project', {}).get('name')!r})",
                "run `dagyard deps lock` and commit uv.lock",
                root / LOCK_FILE,
            )
        ]
    declared = _declared_names(pyproject)
    locked = _locked_requirement_names(locked_root)
    drifts = []
    for name in sorted(declared - locked):
        drifts.append(
            Drift(
                f"pyproject.toml declares {name}, but uv.lock does not pin it",
                "run `dagyard deps lock` (or declare packages with `dagyard deps add`) and "
                "commit uv.lock",
                root / PYPROJECT,
                _line_of(root / PYPROJECT, name),
            )
        )
    for name in sorted(locked - declared):
        drifts.append(
            Drift(
                f"uv.lock pins {name}, which pyproject.toml no longer declares",
                "run `dagyard deps lock` and commit uv.lock",
                root / LOCK_FILE,
            )
        )
    return drifts


def pyproject_vs_lock(config: Config) -> list[Drift]:
    """Whether uv.lock is the lock of pyproject.toml as it is now (no network needed)."""
    root = config.root
    pyproject_path, lock_path = root / PYPROJECT, root / LOCK_FILE
    if not pyproject_path.is_file():
        return []
    if not lock_path.is_file():
        return [
            Drift(
                "pyproject.toml has no uv.lock beside it",
                "run `dagyard deps lock` and commit uv.lock",
                pyproject_path,
            )
        ]
    texts = {}
    for path in (pyproject_path, lock_path):
        try:
            texts[path] = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            where = re.search(r"\(at line (\d+)", str(error))
            hint = (
                "fix the TOML syntax on this line"
                if path == pyproject_path
                else "uv.lock is written by uv: take it from git again, or `dagyard deps lock`"
            )
            return [
                Drift(
                    f"{path.name} is not valid TOML: {str(error).split(' (at line')[0]}",
                    hint,
                    path,
                    int(where.group(1)) if where else None,
                )
            ]
    pyproject, lock = texts[pyproject_path], texts[lock_path]
    static = _static_difference(root, pyproject, lock)
    if static:
        return static
    done = subprocess.run(
        [uv_binary(), "lock", "--check", "--offline", "--quiet", "--project", str(root)],
        capture_output=True,
        text=True,
        check=False,
        env=uv_env(),
    )
    if done.returncode == 0 or "needs to be updated" not in done.stderr:
        # in agreement, or uv could not tell without the network: the names agreed above
        return []
    return [
        Drift(
            "uv.lock is out of date with pyproject.toml (a version, source or group changed)",
            "run `dagyard deps lock` and commit uv.lock",
            pyproject_path,
        )
    ]


def _site_packages(environment: Path) -> Path | None:
    found = sorted(environment.glob("lib/python3*/site-packages"))
    return found[0] if found else None


def _environment_python(environment: Path) -> dict[str, str]:
    """Marker values for the environment's Python (its minor version from the folder name)."""
    site = _site_packages(environment)
    version = site.parent.name.removeprefix("python") if site else ""
    values = {}
    if version:
        values = {"python_version": version}
    return values


def _project_name(folder: Path) -> str:
    """The distribution name of the project in `folder` (an editable install)."""
    try:
        data = tomllib.loads((folder / PYPROJECT).read_text(encoding="utf-8"))
        return canonicalize_name(data["project"]["name"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return canonicalize_name(folder.resolve().name)


def _exported(config: Config) -> list[tuple[str, str, str | None]] | None:
    """(name, version or '', marker) of every package `uv sync --frozen` installs here."""
    done = subprocess.run(
        [
            uv_binary(),
            "export",
            "--frozen",
            "--no-hashes",
            "--no-header",
            "--no-annotate",
            "--no-emit-project",
            "--format",
            "requirements-txt",
            "--project",
            str(config.root),
        ],
        cwd=config.root,  # uv writes local paths relative to the working directory
        capture_output=True,
        text=True,
        check=False,
        env=uv_env(),
    )
    if done.returncode != 0:
        return None
    packages = []
    for raw in done.stdout.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "--")):
            continue
        requirement, _, marker = line.partition(" ; ")
        if line.startswith("-e "):
            name = _project_name(config.root / (requirement[3:].strip() or "."))
            packages.append((name, "", marker or None))
            continue
        if " @ " in requirement:
            name, version = requirement.split(" @ ")[0], ""
        elif "==" in requirement:
            name, _, version = requirement.partition("==")
        else:  # a bare local path or URL: a wheel file, or a project folder
            location = Path(unquote(urlparse(requirement).path) or requirement)
            if location.suffix == ".whl":
                name = location.name.split("-")[0]
            else:
                name = _project_name(config.root / location)
            version = ""
        packages.append((canonicalize_name(name.strip()), version.strip(), marker or None))
    return packages


def _applies(marker: str | None, values: dict[str, str]) -> bool:
    if not marker:
        return True
    try:
        return Marker(marker).evaluate(values)
    except InvalidMarker:
        return True


def environment_vs_lock(config: Config) -> list[Drift]:
    """Whether the DAG repository's `.venv` holds exactly what uv.lock pins for it."""
    root = config.root
    environment = root / ENVIRONMENT
    site = _site_packages(environment) if environment.is_dir() else None
    if site is None or not (root / LOCK_FILE).is_file():
        return []
    wanted = _exported(config)
    if wanted is None:
        return []  # the lock itself is broken: pyproject_vs_lock says so
    values = _environment_python(environment)
    pinned = {name: version for name, version, marker in wanted if _applies(marker, values)}
    installed = {
        canonicalize_name(dist.metadata["Name"]): dist.version
        for dist in metadata.distributions(path=[str(site)])
        if dist.metadata["Name"]
    }
    problems = []
    missing = sorted(n for n in pinned if canonicalize_name(n) not in installed)
    wrong = sorted(
        f"{name} {installed[name]} (uv.lock: {version})"
        for name, version in pinned.items()
        if version and name in installed and installed[name] != version
    )
    pinned_names = {canonicalize_name(n) for n in pinned}
    extra = sorted(f"{n} {v}" for n, v in installed.items() if n not in pinned_names)
    if missing:
        problems.append(f"misses {', '.join(missing)}")
    if wrong:
        problems.append(f"has other versions: {', '.join(wrong)}")
    if extra:
        problems.append(f"has packages uv.lock does not list: {', '.join(extra)}")
    if not problems:
        return []
    return [
        Drift(
            f"the environment {ENVIRONMENT}/ is out of sync with uv.lock: {'; '.join(problems)}",
            "run `dagyard deps sync` (a package the DAGs need goes in with `dagyard deps add`)",
            root / LOCK_FILE,
        )
    ]


def _lock_airflow(config: Config) -> str | None:
    path = config.root / LOCK_FILE
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError:
        return None
    for package in data.get("package", []):
        if package.get("name") == "apache-airflow":
            return package.get("version")
    return None


_AIRFLOW_VERSION = re.compile(r"^airflowVersion:\s*['\"]?([^'\"\s#]+)", re.MULTILINE)
_IMAGE_BASE = re.compile(r"^FROM apache/airflow:([0-9][^-\s]*)", re.MULTILINE)


def airflow_vs_render(config: Config) -> list[Drift]:
    """Whether each rendered deploy folder (`deploy/<env>/`) names the lock's Airflow version."""
    locked = _lock_airflow(config)
    if locked is None:
        return []
    drifts = []
    for env_name in sorted(config.deploy.environments):
        folder = config.root / "deploy" / env_name
        for path, pattern in (
            (folder / "values.yaml", _AIRFLOW_VERSION),
            (folder / "image" / "Dockerfile", _IMAGE_BASE),
        ):
            if not path.is_file():
                continue
            text = path.read_text(encoding="utf-8")
            match = pattern.search(text)
            if match and match.group(1) != locked:
                line = text[: match.start()].count("\n") + 1
                drifts.append(
                    Drift(
                        f"the rendered deploy for {env_name!r} uses Airflow {match.group(1)}, "
                        f"but uv.lock pins {locked}",
                        f"render it again: `dagyard deploy render --env {env_name} --out "
                        f"deploy/{env_name}`",
                        path,
                        line,
                    )
                )
    return drifts
