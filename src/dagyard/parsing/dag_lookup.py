"""Which file defines a DAG whose id no file writes out (`dag_id=f"{team}_load"`,
`dag_id=Path(__file__).stem`, a factory): found by loading the files Airflow parses.

The files are loaded as `dagyard check` loads them (`runtime.prepare`, then forks), inside one
forked child, so the caller's process never imports Airflow with the check's settings. The
files most like the id (its file name, its words in the text) are loaded first; only when none
of them defines the DAG are the others loaded, all together.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import NamedTuple

from dagyard.config import Config
from dagyard.parsing.child_process import Child, collect, fork_piped, write_all

# The likeliest files are loaded first, on their own; the rest together, as a check does.
FIRST = 8


class DagSearch(NamedTuple):
    """The file that defines the DAG (None if none does), every DAG id seen on the way, and the
    files that did not load (the DAG may be in one of them)."""

    file: Path | None
    seen_ids: tuple[str, ...]
    failed: tuple[Path, ...] = ()


def find_by_loading(config: Config, dag_id: str, timeout: float = 300.0) -> DagSearch:
    """Load the DAGs folder's files, likeliest first, until one defines `dag_id`."""
    pid, read_fd = fork_piped(lambda write_fd: _search(config, dag_id, write_fd))
    child = Child(pid, read_fd, config.dags_path, time.monotonic())
    payload, _status, _timed_out = collect(child, timeout)
    if payload is None:
        return DagSearch(None, ())
    answer = json.loads(payload)
    found = Path(answer["file"]) if answer["file"] else None
    return DagSearch(found, tuple(answer["ids"]), tuple(map(Path, answer["failed"])))


def likeliest_first(files: list[Path], dag_id: str) -> list[Path]:
    """`files` ordered by how much they look like the home of `dag_id`: named after it first,
    then by how many of its words (split at `_`, `-`, `.`) their text holds."""
    words = [w for w in re.split(r"[_\-.]", dag_id.lower()) if len(w) >= 3]

    def score(path: Path) -> tuple[int, int]:
        try:
            text = path.read_text(errors="replace").lower()
        except OSError:
            text = ""
        return (path.stem == dag_id, sum(word in text for word in words))

    return sorted(files, key=lambda path: (tuple(-s for s in score(path)), str(path)))


def _search(config: Config, dag_id: str, write_fd: int) -> None:  # pragma: no cover - a child
    from dagyard._airflow import dag_discovery
    from dagyard.parsing import pool, runtime

    home = runtime.prepare(config)
    found, ids, failed = None, [], []
    try:
        files = likeliest_first(dag_discovery.parsed_files(config.dags_path), dag_id)
        for batch in (files[:FIRST], files[FIRST:]):
            results = pool.load_many(batch, jobs=config.check.jobs, project_root=config.root)
            for result in results:
                ids += [dag.dag_id for dag in result.dags]
                failed += [result.path] if result.errors else []
                if found is None and dag_id in {dag.dag_id for dag in result.dags}:
                    found = result.path
            if found:
                break
    finally:
        shutil.rmtree(home, ignore_errors=True)
    write_all(
        write_fd, json.dumps({"file": found, "ids": sorted(set(ids)), "failed": failed}).encode()
    )
