"""Which saved files a watcher cares about, and which were saved before it started watching.

A file watcher (`watchfiles`) sees only the saves made once it runs. Both watchers
(`dagyard dev` and `dagyard check --watch`) report first and watch after, so a save made in
between is found here, from file times, and handled with the watcher's first batch.

A DAG file may build its DAGs from a file it reads (a YAML config for dag-factory, a SQL or
JSON file): a saved data file counts as a save of the DAG files that name it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


def readers_of(saved: Iterable[str | Path], dag_files: Callable[[], Iterable[Path]]) -> list[Path]:
    """The DAG files (from `dag_files()`) that name one of the data files among `saved` (its
    file name in their text): the ones to load again. Nothing is listed or read unless a data
    file was saved, and then each DAG file is read once."""
    names = {Path(p).name.encode() for p in saved if is_data_file(p) and Path(p).is_file()}
    if not names:
        return []
    return [path for path in dag_files() if any(name in _bytes(path) for name in names)]


def is_data_file(path: str | Path) -> bool:
    """True for a saved file a DAG file may read: not a DAG source, not hidden, not an editor's
    or Python's own scratch file."""
    path = Path(path)
    scratch = path.name.startswith((".", "#")) or path.name.endswith(("~", ".swp", ".tmp"))
    return not (is_dag_source(path) or scratch or "__pycache__" in path.parts)


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""
