"""The one list of the DAGs' Python dependencies: the DAG repo's `pyproject.toml` and `uv.lock`.

Every change goes through uv against the DAG repository itself: `add`/`remove` edit
`pyproject.toml` and re-lock, `lock` refreshes `uv.lock`, `sync` makes the repository's `.venv`
exactly what the lock pins (`uv sync --frozen`, bytecode compiled). Laptops, CI and the production
image (`dagyard deploy render`) install that same lock, so nothing declared is ever dropped by a
re-install and nothing undeclared survives one.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import NamedTuple

from dagyard.config import Config
from dagyard.deploy.image import LOCK_FILE, DeployError, uv_binary
from dagyard.deploy.lock_drift import ENVIRONMENT, uv_env


class Changed(NamedTuple):
    """What `add`/`remove` did: each package and its locked version, and where it was synced."""

    locked: dict[str, str]
    synced: Path | None


_CHECK_REQUIREMENTS = (
    "uv's lines above name the package or version it could not find or fit together; check "
    "the spelling on pypi.org, or widen the version range"
)


def _uv(config: Config, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [uv_binary(), *args],
        cwd=config.root,
        capture_output=True,
        text=True,
        check=False,
        env=uv_env(),
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


def _require_pyproject(config: Config) -> None:
    if not (config.root / "pyproject.toml").is_file():
        raise DeployError(
            f"{config.root} has no pyproject.toml; it is the one list of the DAGs' dependencies "
            "(`dagyard init` creates it)"
        )


def locked_versions(config: Config) -> dict[str, str]:
    """Every package the DAG repo's lock pins, by normalized name."""
    path = config.root / LOCK_FILE
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {p["name"]: p.get("version", "") for p in data.get("package", [])}


def environment(config: Config) -> Path:
    """The DAG repository's own environment, where `dagyard dev`, `check` and the tests run."""
    return config.root / ENVIRONMENT


def lock(config: Config) -> None:
    """Create or refresh `uv.lock` from `pyproject.toml` (`uv lock`)."""
    _require_pyproject(config)
    result = _uv(config, "lock")
    if result.returncode != 0:
        raise DeployError(
            "uv could not lock the DAG repo's dependencies:\n" + _without_uv_hints(result.stderr),
            _CHECK_REQUIREMENTS,
        )


def sync(config: Config) -> Path:
    """Make the repository's `.venv` exactly what `uv.lock` pins; returns its path."""
    _require_pyproject(config)
    if not (config.root / LOCK_FILE).is_file():
        raise DeployError(
            f"{config.root / LOCK_FILE} does not exist; run `dagyard deps lock` to create it"
        )
    result = _uv(config, "sync", "--frozen", "--compile-bytecode", "--quiet")
    if result.returncode != 0:
        raise DeployError(
            f"uv could not install the locked packages into {environment(config)}:\n"
            + _without_uv_hints(result.stderr),
            "if uv.lock changed by hand or in a merge, run `dagyard deps lock`; "
            "if a download failed, check the network and run `dagyard deps sync` again",
        )
    return environment(config)


def _without_uv_hints(stderr: str) -> str:
    """uv's error without its own hints, which name uv flags dagyard does not have."""
    kept = [line for line in stderr.strip().splitlines() if not line.startswith("hint:")]
    return "\n".join(kept).strip()


def _change(config: Config, verb: str, requirements: list[str], install: bool) -> Changed:
    _require_pyproject(config)
    names = [_name(r) for r in requirements]
    before = (config.root / "pyproject.toml").read_bytes()
    result = _uv(config, verb, "--no-sync", *requirements)
    if result.returncode != 0:
        (config.root / "pyproject.toml").write_bytes(before)
        raise DeployError(
            f"uv could not {verb} "
            + ", ".join(requirements)
            + f" (nothing was changed):\n{_without_uv_hints(result.stderr)}",
            _CHECK_REQUIREMENTS,
        )
    versions = locked_versions(config)
    locked = {name: versions.get(name, "") for name in names}
    return Changed(locked, sync(config) if install else None)


def add(config: Config, requirements: list[str], install: bool = True) -> Changed:
    """Declare `requirements` in pyproject.toml, re-lock, and sync the repository's `.venv`."""
    return _change(config, "add", requirements, install)


def remove(config: Config, names: list[str], install: bool = True) -> Changed:
    """Drop packages from pyproject.toml, re-lock, and sync the repository's `.venv`."""
    return _change(config, "remove", names, install)


def runs_elsewhere(config: Config) -> bool:
    """True when this dagyard does not run from the repository's own `.venv`."""
    return Path(sys.prefix).resolve() != environment(config).resolve()
