"""Load many DAG files, each in its own forked child, a few children at a time.

The parent has imported Airflow (and, with `warm_up`, the libraries the files import) once;
every child starts from that state, so a file costs its own top-level code, not Airflow's.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import select
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from dagyard.parsing.loader import Child, LoadResult, finish, read_chunk, reap, start


def warm_up(modules: Iterable[str]) -> list[str]:
    """Import third-party modules (Airflow, providers, libraries) once, in this process.

    Children forked afterwards find them already imported. A module that fails to import is
    skipped: the child that needs it reports the error with the user's line. Returns the names
    imported.
    """
    imported = []
    for name in sorted(set(modules)):
        try:
            importlib.import_module(name)
        except BaseException:
            continue
        imported.append(name)
    gc.collect()
    gc.freeze()
    return imported


def load_many(
    paths: Iterable[Path],
    *,
    jobs: int = 2,
    timeout: float = 30.0,
    memory_mb: int = 2048,
    project_root: Path | None = None,
    on_result: Callable[[LoadResult], None] | None = None,
    extra: Callable[[Path], object] | None = None,
) -> list[LoadResult]:
    """Load every file in `paths` in a fork of this process, `jobs` at a time.

    Results come back in the order of `paths`; `on_result` sees each as soon as it is ready;
    `extra` runs in each child after the import (see `loader.start`).
    """
    queue = list(dict.fromkeys(Path(p).resolve() for p in paths))
    order = {path: index for index, path in enumerate(queue)}
    queue.reverse()
    running: dict[int, tuple[Child, list[bytes]]] = {}
    results: list[LoadResult | None] = [None] * len(order)

    def done(child: Child, chunks: list[bytes], timed_out: bool) -> None:
        del running[child.fd]
        payload, status = reap(child, chunks, timed_out)
        result = finish(child, payload, status, timed_out, timeout, memory_mb, project_root)
        results[order[child.path]] = result
        if on_result:
            on_result(result)

    try:
        while queue or running:
            while queue and len(running) < jobs:
                child = start(queue.pop(), memory_mb, extra)
                running[child.fd] = (child, [])
            now = time.monotonic()
            wait = min(child.started + timeout for child, _ in running.values()) - now
            ready, _, _ = select.select(list(running), [], [], max(wait, 0))
            for fd in ready:
                child, chunks = running[fd]
                if not read_chunk(child, chunks):
                    done(child, chunks, False)
            now = time.monotonic()
            for child, chunks in list(running.values()):
                if now >= child.started + timeout:
                    done(child, chunks, True)
    finally:
        for child, chunks in list(running.values()):
            with contextlib.suppress(OSError):
                reap(child, chunks, True)
    return [result for result in results if result is not None]
