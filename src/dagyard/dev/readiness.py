"""When `dagyard dev` may say it is ready: every file Airflow parses has been seen.

A file is seen when the API lists a DAG from it or an import error for it. A file that loads
but defines no DAG (a helper that mentions "airflow" and "dag") never shows up in the API, so
once the API has shown nothing new for `STALL_SECONDS`, dagyard loads each file still missing
itself and stops waiting for those that define no DAG.

The files are those Airflow's own listing gives (`.airflowignore` and safe mode applied), plus
the pipeline files dagyard's importer adds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from dagyard._airflow import dag_discovery
from dagyard.airflow_env import Bundle
from dagyard.parsing import discovery
from dagyard.parsing.loader import LoadResult, load_file

STALL_SECONDS = 2.0


class ParsedFile(NamedTuple):
    """A file as the API names it: its bundle, and its path inside the bundle."""

    bundle: str
    path: str


def files_airflow_parses(bundles: Iterable[Bundle]) -> dict[ParsedFile, Path]:
    """Every file the DAG processor parses in `bundles`, with its path on disk."""
    found: dict[ParsedFile, Path] = {}
    for bundle in bundles:
        root = bundle.path.resolve()
        files = dag_discovery.parsed_files(root) + discovery.pipeline_files(root)
        for path in files:
            found[ParsedFile(bundle.name, path.resolve().relative_to(root).as_posix())] = path
    return found


class ParseProgress:
    """Which of the files Airflow parses it has not shown yet (see the module docstring)."""

    def __init__(
        self,
        expected: dict[ParsedFile, Path],
        project_root: Path,
        load: Callable[..., LoadResult] = load_file,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.expected = expected
        self.project_root = project_root
        self.without_dags: set[ParsedFile] = set()
        self._load = load
        self._clock = clock
        self._loaded: set[ParsedFile] = set()
        self._left: int | None = None
        self._since = 0.0

    def missing(
        self, dags: list[dict[str, Any]], import_errors: Callable[[], list[dict[str, Any]]]
    ) -> set[ParsedFile]:
        """The expected files with neither a DAG in `dags` nor an import error (asked for only
        while a file is missing), less those known to define no DAG."""
        left = set(self.expected) - _files_of(dags, "relative_fileloc") - self.without_dags
        if left:
            left -= _files_of(import_errors(), "filename")
        if len(left) != self._left:
            self._left, self._since = len(left), self._clock()
        return left

    def settle(self, left: set[ParsedFile]) -> None:
        """Once nothing new was shown for `STALL_SECONDS`, load each file still missing (once)
        and stop waiting for those that load without defining a DAG."""
        if self._clock() - self._since < STALL_SECONDS:
            return
        for file in sorted(left - self._loaded):
            self._loaded.add(file)
            result = self._load(self.expected[file], project_root=self.project_root)
            if result.ok and not result.dags:
                self.without_dags.add(file)


def _files_of(entries: list[dict[str, Any]], path_key: str) -> set[ParsedFile]:
    return {
        ParsedFile(entry.get("bundle_name") or "", entry.get(path_key) or "") for entry in entries
    }
