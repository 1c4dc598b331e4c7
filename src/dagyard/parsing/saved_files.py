"""Which saved files a watcher cares about, and which were saved before it started watching.

A file watcher (`watchfiles`) sees only the saves made once it runs. Both watchers
(`dagyard dev` and `dagyard check --watch`) report first and watch after, so a save made in
between is found here, from file times, and handled with the watcher's first batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from dagyard.pipelines import is_pipeline_file

# How far a file's modification time may trail `time.time_ns()` taken just before the write:
# Linux stamps files with the kernel's coarse clock, which advances once per tick (1-10 ms).
COARSE_CLOCK_NS = 20_000_000


def is_dag_source(path: str | Path) -> bool:
    """True for a file that can define DAGs or that DAG files import: Python or a pipeline
    file, outside `__pycache__`."""
    path = Path(path)
    return (path.suffix == ".py" or is_pipeline_file(path)) and "__pycache__" not in path.parts


def saved_since(folders: Iterable[Path], moment_ns: int) -> list[Path]:
    """The DAG sources under `folders` written at or after `moment_ns` (a `time.time_ns()`).

    File times come from a coarser clock than `time.time_ns`, so a file written a few
    milliseconds earlier may be named too; it is then only checked once more.
    """
    since = moment_ns - COARSE_CLOCK_NS
    return [
        path
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if is_dag_source(path) and _written_at(path) >= since
    ]


def _written_at(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:  # deleted meanwhile
        return -1
