"""The one list of the DAGs' Python dependencies: the DAG repo's `pyproject.toml` and `uv.lock`.

`add` declares packages there and re-locks (uv), then installs the locked versions into the
environment dagyard runs in, so the laptop, CI (`uv sync --frozen`) and the production image
(`dagyard deploy render`) all get the same versions from one command.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from typing import NamedTuple

from dagyard.config import Config
from dagyard.deploy.image import LOCK_FILE, DeployError, uv_binary


class Added(NamedTuple):
    """What `add` did: each requested package and the version the lock now pins."""

    locked: dict[str, str]
    installed: bool


def _uv(config: Config, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [uv_binary(), *args], cwd=config.root, capture_output=True, text=True, check=False
    )


def _name(requirement: str) -> str:
    """The normalized project name of a requirement like `pandas[excel]>=2`."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    try:
        return canonicalize_name(Requirement(requirement).name)
    except InvalidRequirement:
        raise DeployError(
            f"{requirement!r} is not a package requirement; write it like pandas or 'pandas>=2.2'"
        ) from None


def locked_versions(config: Config) -> dict[str, str]:
    """Every package the DAG repo's lock pins, by normalized name."""
    path = config.root / LOCK_FILE
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {p["name"]: p.get("version", "") for p in data.get("package", [])}


def lock(config: Config) -> None:
    """Create or refresh `uv.lock` from `pyproject.toml` (`uv lock`)."""
    result = _uv(config, "lock")
    if result.returncode != 0:
        raise DeployError(f"uv could not lock the DAG repo's dependencies:\n{result.stderr}")


def add(config: Config, requirements: list[str], install: bool = True) -> Added:
    """Declare `requirements` in the DAG repo's pyproject.toml, re-lock, and install them here."""
    if not (config.root / "pyproject.toml").is_file():
        raise DeployError(
            f"{config.root} has no pyproject.toml; it is the one list of the DAGs' dependencies "
            "(`dagyard init` creates it)"
        )
    names = [_name(r) for r in requirements]
    result = _uv(config, "add", "--no-sync", *requirements)
    if result.returncode != 0:
        raise DeployError(
            "uv could not add "
            + ", ".join(requirements)
            + f" (nothing was changed):\n{result.stderr.strip()}"
        )
    versions = locked_versions(config)
    locked = {name: versions.get(name, "?") for name in names}
    if install:
        pins = [f"{name}=={version}" for name, version in locked.items()]
        result = _uv(config, "pip", "install", "--python", sys.executable, *pins)
        if result.returncode != 0:
            raise DeployError(
                "the lock was updated, but installing into this environment failed:\n"
                f"{result.stderr.strip()}"
            )
    return Added(locked, install)
