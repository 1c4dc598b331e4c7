"""The production image: the official `apache/airflow` image plus exactly the DAG repo's lock.

The DAG repo's `pyproject.toml` is the one list of the DAGs' Python dependencies and `uv.lock`
pins it; the laptop venv, CI and this image all install from that lock, so a dependency is
declared once (`dagyard deps add PKG`) and the three can never disagree.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import tomllib
from pathlib import Path
from typing import NamedTuple

from dagyard.config import Config, DeployEnvironmentSection
from dagyard.errors import DagyardError

LOCK_FILE = "uv.lock"
REQUIREMENTS_FILE = "requirements.lock.txt"
BAKED_ROOT = "/opt/airflow/dagyard-repo"
GIT_SYNC_ROOT = "/opt/airflow/dags/repo"


class DeployError(DagyardError):
    """Rendering cannot go on; the message says what to do."""


class Lock(NamedTuple):
    """What the DAG repo's lock pins: Airflow's version, Python's, and the file's digest."""

    path: Path
    airflow_version: str
    python_version: str
    digest: str


def uv_binary() -> str:
    """Path of the `uv` executable that ships with dagyard (the `uv` PyPI package)."""
    try:
        from uv import find_uv_bin
    except ImportError:  # pragma: no cover - uv is a dependency of dagyard
        return "uv"
    return find_uv_bin()


def read_lock(config: Config) -> Lock:
    """Read the DAG repo's `uv.lock`: the pinned Airflow and the Python it targets."""
    path = config.root / LOCK_FILE
    if not path.is_file():
        raise DeployError(
            f"{path} does not exist; run `dagyard deps lock` in the DAG repo to create it"
        )
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    airflow = [p["version"] for p in data.get("package", []) if p.get("name") == "apache-airflow"]
    if not airflow:
        raise DeployError(
            f"{path} does not pin apache-airflow; add it with `dagyard deps add apache-airflow==X`"
        )
    match = re.search(r"3\.(\d+)", data.get("requires-python", ""))
    python = f"3.{match.group(1)}" if match else "3.12"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Lock(path, airflow[0], python, digest)


def export_requirements(config: Config) -> str:
    """The lock as a pip requirements file with hashes (`uv export --frozen`)."""
    result = subprocess.run(
        [
            uv_binary(),
            "export",
            "--frozen",
            "--no-dev",
            "--no-emit-project",
            "--no-header",
            "--format",
            "requirements-txt",
            "--project",
            str(config.root),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise DeployError(
            f"could not export {config.root / LOCK_FILE}: {result.stderr.strip()}; "
            "run `dagyard deps lock` to refresh the lock"
        )
    return result.stdout


def content_digest(config: Config, lock: Lock) -> str:
    """A digest of everything baked into the image: the lock, dagyard.toml, the DAGs and the
    pipeline templates."""
    digest = hashlib.sha256(lock.digest.encode())
    templates = list(config.templates_path.rglob("*")) if config.templates_path.is_dir() else []
    for path in sorted([config.root / "dagyard.toml", *config.dags_path.rglob("*"), *templates]):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(config.root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def image_tag(config: Config, env: DeployEnvironmentSection, lock: Lock) -> str:
    """The image tag: configured, else derived from what the image holds (so it changes with it)."""
    if env.image_tag:
        return env.image_tag
    if env.dags == "baked":
        return f"dags-{content_digest(config, lock)[:12]}"
    return f"deps-{lock.digest[:12]}"


def project_root_in_image(config: Config, env: DeployEnvironmentSection) -> str:
    """Where the DAG repo (with dagyard.toml) lives inside the running containers."""
    return BAKED_ROOT if env.dags == "baked" else GIT_SYNC_ROOT


def dockerfile(config: Config, env: DeployEnvironmentSection, lock: Lock, out: str = "OUT") -> str:
    """The image build file; build it with the command in its header (`out`: render folder)."""
    base = f"apache/airflow:{lock.airflow_version}-python{lock.python_version}"
    lines = [
        "# syntax=docker/dockerfile:1",
        "# Written by `dagyard deploy render`. Do not edit: change dagyard.toml or the lock.",
        "# Build from the DAG repo root:",
        f"#   docker build -f {out}/image/Dockerfile --build-context image={out}/image "
        f"-t {env.image_repository}:{image_tag(config, env, lock)} .",
        f"FROM {base}",
        "",
        "# Exactly the DAG repo's locked dependencies (uv.lock, exported with hashes).",
        f"COPY --from=image {REQUIREMENTS_FILE} /opt/dagyard/{REQUIREMENTS_FILE}",
        "RUN pip install --no-cache-dir --require-hashes --no-deps "
        f"-r /opt/dagyard/{REQUIREMENTS_FILE}",
        "",
        "# dagyard itself (cluster policies, resources helpers); its own CLI deps are not needed.",
        "COPY --from=image dagyard-wheel/ /opt/dagyard/wheel/",
        "RUN pip install --no-cache-dir --no-deps /opt/dagyard/wheel/*.whl",
        "",
    ]
    if env.dags == "baked":
        lines += [
            "# The DAGs are baked in: a new image per change of dags/ or dagyard.toml.",
            f"COPY --chown=airflow:0 dagyard.toml {BAKED_ROOT}/dagyard.toml",
            f"COPY --chown=airflow:0 {config.project.dags_folder}/ "
            f"{BAKED_ROOT}/{config.project.dags_folder}/",
        ]
        if config.templates_path.is_dir():
            folder = config.pipelines.templates_folder.strip("/")
            lines.append(f"COPY --chown=airflow:0 {folder}/ {BAKED_ROOT}/{folder}/")
        lines += [""]
    else:
        lines += [
            "# The DAGs come from git-sync at run time; this image changes with the lock.",
            "",
        ]
    lines += [f"ENV DAGYARD_PROJECT={project_root_in_image(config, env)}", ""]
    return "\n".join(lines)


def _installed_wheel(target: Path) -> Path:
    """The wheel file this dagyard was installed from (its PEP 610 record), copied to `target`."""
    import shutil

    from dagyard.scaffold.source import SourceError, installed_source

    try:
        source = installed_source()
    except SourceError:
        source = None
    if source is not None and source.kind == "path" and source.location.endswith(".whl"):
        target.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy2(source.location, target))
    where = source.describe() if source is not None else "a package index"
    raise DeployError(
        f"the image needs dagyard's wheel, and this dagyard was installed from {where}, not "
        f"from a wheel file or a checkout: put the wheel into {target}, or render with "
        "--no-wheel and install dagyard in the image yourself"
    )


def build_dagyard_wheel(target: Path) -> Path | None:
    """dagyard's wheel in `target`: built from the source checkout this dagyard runs from, or
    the wheel file it was installed from."""
    import dagyard

    source = Path(dagyard.__file__).resolve().parents[2]
    if not (source / "pyproject.toml").is_file() or "dagyard" not in (
        source / "pyproject.toml"
    ).read_text(encoding="utf-8"):
        return _installed_wheel(target)
    target.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [uv_binary(), "build", "--wheel", "--out-dir", str(target), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise DeployError(
            f"could not build the dagyard wheel: {result.stderr.strip()[-2000:]}",
            "uv's lines above say why the build failed; or render with --no-wheel and install "
            "dagyard in the image yourself",
        )
    wheels = sorted(target.glob("dagyard-*.whl"))
    return wheels[-1] if wheels else None
