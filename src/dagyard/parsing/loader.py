"""Load one DAG file in a forked child, with a timeout and a memory cap.

The parent imports Airflow once; each file is imported in a fresh fork of it, so a file that
raises, loops forever, calls `sys.exit`/`os._exit`, crashes the interpreter or allocates without
bound is reported as that file's error, and the caller carries on. Airflow's own `DagBag` does
the import, so what passes here is what Airflow itself would load.

The story of a load: `start` forks an isolated child (`child_process`) that reads the file's
DAGs (`dag_facts`) and writes them to a pipe; the parent collects the answer or the child's
death; `finish` turns it into a `LoadResult`, with every failure a `LoadError` (`failures`).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from dagyard.parsing.child_process import (
    OUT_OF_MEMORY,
    Child,
    collect,
    fork_piped,
    isolate_child,
    write_all,
)
from dagyard.parsing.dag_facts import DagSummary, load_in_this_process
from dagyard.parsing.failures import (
    LoadError,
    error_from_status,
    error_from_timeout,
    reported_errors,
)
from dagyard.parsing.lookups import Lookup
from dagyard.parsing.sandbox import Attempt


class LoadResult(NamedTuple):
    """The outcome of loading one file.

    `seconds` is the wall time seen by the caller; `parse_seconds` the time Airflow spent
    importing the file inside the child; `modules` the project files the DAG file imported;
    `blocked` the network and program calls the sandbox refused; `lookups` the variables and
    connections read while loading; `hot_lines` the top-level lines that took the most time
    (line, seconds).
    """

    path: str
    dags: list[DagSummary]
    errors: list[LoadError]
    seconds: float
    parse_seconds: float | None = None
    modules: tuple[str, ...] = ()
    extra: object = None
    blocked: tuple[Attempt, ...] = ()
    lookups: tuple[Lookup, ...] = ()
    hot_lines: tuple[tuple[int, float], ...] = ()

    @property
    def ok(self) -> bool:
        """True when the file loaded without any error."""
        return not self.errors


def load_file(
    path: Path, *, timeout: float = 30.0, memory_mb: int = 2048, project_root: Path | None = None
) -> LoadResult:
    """Import `path` in a forked child and report its DAGs or its errors.

    Needs Airflow importable and configured (see `airflow_env.apply`).
    """
    child = start(path, memory_mb)
    payload, status, timed_out = collect(child, timeout)
    return finish(child, payload, status, timed_out, timeout, memory_mb, project_root)


def start(
    path: Path, memory_mb: int = 2048, extra: Callable[[Path], object] | None = None
) -> Child:
    """Fork a child that imports `path`; read its answer with `child_process.read_chunk` and
    `reap`, then `finish`.

    `extra(path)`, when given, runs in the child after the import; its JSON-able answer is
    returned as `LoadResult.extra` (a way to spread per-file work over the children).
    """
    path = path.resolve()
    started = time.monotonic()
    pid, read_fd = fork_piped(lambda write_fd: _child(path, write_fd, memory_mb, extra))
    return Child(pid, read_fd, path, started)


def finish(
    child: Child,
    payload: bytes | None,
    status: int,
    timed_out: bool,
    timeout: float,
    memory_mb: int,
    project_root: Path | None,
) -> LoadResult:
    """Turn what a child sent (or how it died) into a `LoadResult`."""
    path = child.path
    seconds = time.monotonic() - child.started
    root = project_root or path.parent
    if timed_out:
        return LoadResult(str(path), [], [error_from_timeout(path, timeout)], seconds)
    if payload is None:
        return LoadResult(str(path), [], [error_from_status(status, path, memory_mb)], seconds)
    data = json.loads(payload)
    return LoadResult(
        str(path),
        [DagSummary.from_json(d) for d in data["dags"]],
        reported_errors(data, path, root),
        seconds,
        data.get("parse_seconds"),
        tuple(m for m in data.get("modules", ()) if _is_project_file(m, root)),
        data.get("extra"),
        tuple(Attempt(*a) for a in data.get("blocked", ())),
        tuple(Lookup(*item) for item in data.get("lookups", ())),
        tuple((int(line), float(s)) for line, s in data.get("hot_lines", ())),
    )


def _child(path: Path, write_fd: int, memory_mb: int, extra=None) -> None:  # pragma: no cover
    code = 0
    try:
        isolate_child(memory_mb)
        result = load_in_this_process(path, extra)
        write_all(write_fd, json.dumps(result, default=str).encode())
    except MemoryError:
        code = OUT_OF_MEMORY
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _is_project_file(file: str, root: Path) -> bool:
    return file.startswith(str(root) + os.sep) and "site-packages" not in file
