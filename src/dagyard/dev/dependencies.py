"""The running dev environment follows dependency changes without a save.

`dagyard deps add` (or `deps sync`, or a `git pull` that changes `uv.lock`) changes what the
repository's `.venv` holds. Between two checks of the watch loop this module notices it from two
stat calls (uv.lock, and the environment's site-packages folder), installs a pulled lock into the
environment when dagyard runs from it, and names the DAG files that failed with
`ModuleNotFoundError`, so they are parsed again at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from dagyard.airflow_env import Bundle
from dagyard.deploy.image import LOCK_FILE
from dagyard.parsing.missing_module import missing_module


class Change(NamedTuple):
    """What changed since the last look: the lock, the installed packages, or both."""

    lock: bool
    environment: bool


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def site_packages(environment: Path) -> Path | None:
    """The site-packages folder of a virtual environment (None when there is none)."""
    found = sorted(environment.glob("lib/python3*/site-packages"))
    return found[0] if found else None


class DependencyWatch:
    """Notices changes of a repository's `uv.lock` and of its environment's packages."""

    def __init__(self, root: Path, environment: Path):
        self.lock_file = root / LOCK_FILE
        self.environment = environment
        self._seen = self._state()

    def _state(self) -> tuple[int | None, int | None]:
        site = site_packages(self.environment)
        return _mtime(self.lock_file), _mtime(site) if site else None

    def changed(self) -> Change | None:
        """What changed since the last call (None: nothing)."""
        now = self._state()
        if now == self._seen:
            return None
        before, self._seen = self._seen, now
        return Change(lock=now[0] != before[0], environment=now[1] != before[1])

    def settle(self) -> None:
        """Take the current state as seen (after dagyard changed the environment itself)."""
        self._seen = self._state()


def missing_module_files(import_errors: list[dict[str, Any]], bundles: list[Bundle]) -> list[Path]:
    """DAG files whose import error (Airflow's REST API) is a missing package."""
    by_name = {bundle.name: bundle.path for bundle in bundles}
    files = []
    for error in import_errors:
        if missing_module(error.get("stack_trace") or "") is None:
            continue
        folder = by_name.get(error.get("bundle_name") or "")
        filename = error.get("filename") or ""
        path = Path(filename) if Path(filename).is_absolute() else (folder or Path()) / filename
        if path.is_file():
            files.append(path)
    return sorted(set(files))
