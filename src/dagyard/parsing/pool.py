"""Load many DAG files in forked children, a few children at a time.

The parent has imported Airflow (and, with `warm_up`, the libraries the files import) once;
every child starts from that state, so a file costs its own top-level code, not Airflow's.

Isolation modes:
- "file": a fork per file. The strictest, but every fork costs this process's page tables and
  the copy-on-write of every Airflow object the file touches: ~40 ms of CPU per file on a
  2-core VM, against ~10 ms for the file's own loading.
- "worker": a fork loads up to `batch` files one after the other. Between files it forgets the
  project modules the file imported and puts back what a file can change in the process
  (environment, `sys.path`, working directory, Airflow's DAG and task-group context, alarms);
  a file that leaves a thread running retires its worker. A file that hangs, exits, crashes or
  exhausts memory ends only its worker and is reported as that file's error.
- "auto" (the default): "file" for up to `STRICT_UP_TO` files (every editor, pre-commit and
  `--changed` check), "worker" beyond (whole-repository sweeps).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from dagyard._airflow.dag_objects import clear_open_contexts
from dagyard.parsing.child_process import (
    OUT_OF_MEMORY,
    Child,
    fork_piped,
    isolate_child,
    read_chunk,
    reap,
    write_all,
)
from dagyard.parsing.dag_facts import load_in_this_process
from dagyard.parsing.loader import LoadResult, finish, start
from dagyard.startup import long_lived_objects

STRICT_UP_TO = 50


def warm_up(modules: Iterable[str]) -> list[str]:
    """Import third-party modules (Airflow, providers, libraries) once, in this process.

    Children forked afterwards find them already imported. A module that fails to import is
    skipped: the child that needs it reports the error with the user's line. Returns the names
    imported.
    """
    imported = []
    with long_lived_objects():
        for name in sorted(set(modules)):
            try:
                importlib.import_module(name)
            except BaseException:
                continue
            imported.append(name)
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
    isolation: str = "auto",
    batch: int = 20,
) -> list[LoadResult]:
    """Load every file in `paths` in forks of this process, `jobs` at a time.

    `isolation` is "file", "worker" or "auto" (see the module docstring). Results come back in
    the order of `paths`; `on_result` sees each as soon as it is ready; `extra` runs in the
    child after each import (see `loader.start`).
    """
    queue = list(dict.fromkeys(Path(p).resolve() for p in paths))
    order = {path: index for index, path in enumerate(queue)}
    results: list[LoadResult | None] = [None] * len(order)

    def keep(result: LoadResult) -> None:
        results[order[Path(result.path)]] = result
        if on_result:
            on_result(result)

    root = (project_root or Path.cwd()).resolve()
    if isolation == "file" or (isolation == "auto" and len(queue) <= STRICT_UP_TO):
        _per_file(queue, jobs, timeout, memory_mb, project_root, keep, extra)
    else:
        _workers(queue, jobs, timeout, memory_mb, root, keep, extra, batch)
    return [result for result in results if result is not None]


def _per_file(queue, jobs, timeout, memory_mb, project_root, keep, extra) -> None:
    queue = list(reversed(queue))
    running: dict[int, tuple[Child, list[bytes]]] = {}

    def done(child: Child, chunks: list[bytes], timed_out: bool) -> None:
        del running[child.fd]
        payload, status = reap(child, chunks, timed_out)
        keep(finish(child, payload, status, timed_out, timeout, memory_mb, project_root))

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


class _Worker:
    """Parent-side state of one worker: its files, the one it is loading, unread output."""

    def __init__(self, files: list[Path], memory_mb: int, root: Path, extra):
        self.files = files
        self.done = 0
        self.current: Path | None = None
        self.since = time.monotonic()
        self.buffer = b""
        self.pid, self.fd = fork_piped(lambda fd: _work(files, fd, memory_mb, root, extra))

    def rest(self) -> list[Path]:
        """Files given to this worker that it did not start."""
        started = self.done + (1 if self.current is not None else 0)
        return self.files[started:]


def _workers(queue, jobs, timeout, memory_mb, root, keep, extra, batch) -> None:
    pending = list(queue)
    running: dict[int, _Worker] = {}

    def launch() -> None:
        size = max(1, min(batch, -(-len(pending) // jobs)))
        files, pending[:] = pending[:size], pending[size:]
        worker = _Worker(files, memory_mb, root, extra)
        running[worker.fd] = worker

    def end(worker: _Worker, timed_out: bool) -> None:
        del running[worker.fd]
        child = Child(worker.pid, worker.fd, worker.current or root, worker.since)
        _, status = reap(child, [], timed_out)
        rest = worker.rest()
        if worker.current is None and rest and (timed_out or status != 0):
            # it died between files: blame the next one, so that the check always progresses
            worker.current, rest = rest[0], rest[1:]
            child = child._replace(path=worker.current)
        if worker.current is not None:
            keep(finish(child, None, status, timed_out, timeout, memory_mb, root))
        pending[:0] = rest

    try:
        while pending or running:
            while pending and len(running) < jobs:
                launch()
            now = time.monotonic()
            deadlines = [w.since + timeout for w in running.values() if w.current is not None]
            wait = max(min(deadlines) - now, 0) if deadlines else 1.0
            ready, _, _ = select.select(list(running), [], [], wait)
            for fd in ready:
                worker = running[fd]
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    end(worker, False)
                    continue
                worker.buffer += chunk
                *lines, worker.buffer = worker.buffer.split(b"\n")
                for line in lines:
                    _handle(worker, line, timeout, memory_mb, root, keep)
            now = time.monotonic()
            for worker in list(running.values()):
                if worker.current is not None and now >= worker.since + timeout:
                    end(worker, True)
    finally:
        for worker in list(running.values()):
            with contextlib.suppress(OSError):
                reap(Child(worker.pid, worker.fd, root, worker.since), [], True)


def _handle(worker: _Worker, line: bytes, timeout, memory_mb, root, keep) -> None:
    message = json.loads(line)
    if "start" in message:
        worker.current = Path(message["start"])
        worker.since = time.monotonic()
        return
    child = Child(worker.pid, worker.fd, Path(message["path"]), worker.since)
    payload = json.dumps(message["result"]).encode()
    keep(finish(child, payload, 0, False, timeout, memory_mb, root))
    worker.current = None
    worker.done += 1


def _work(
    files: list[Path], write_fd: int, memory_mb: int, root: Path, extra
) -> None:  # pragma: no cover
    code = 0
    try:
        isolate_child(memory_mb)
        baseline = set(sys.modules)
        clean = ProcessState.now()
        for path in files:
            write_all(write_fd, json.dumps({"start": str(path)}).encode() + b"\n")
            result = load_in_this_process(path, extra)
            message = {"path": str(path), "result": result}
            write_all(write_fd, json.dumps(message, default=str).encode() + b"\n")
            _forget_project_modules(baseline, root)
            if not clean.restore() or any("MemoryError" in str(e) for e in result["errors"]):
                break
    except MemoryError:
        code = OUT_OF_MEMORY
    except BaseException:
        code = 1
    finally:
        os._exit(code)


class ProcessState(NamedTuple):
    """What a DAG file can change in the process that loads it, and dagyard can put back."""

    environ: dict[str, str]
    path: list[str]
    cwd: str
    threads: int

    @classmethod
    def now(cls) -> ProcessState:
        """The state of this process now."""
        return cls(dict(os.environ), list(sys.path), os.getcwd(), threading.active_count())

    def restore(self) -> bool:
        """Put this state back; False when the process cannot be made clean again (a thread
        the file started is still running), so the worker must not load another file."""
        if dict(os.environ) != self.environ:
            os.environ.clear()
            os.environ.update(self.environ)
        sys.path[:] = self.path
        if os.getcwd() != self.cwd:
            os.chdir(self.cwd)
        signal.alarm(0)
        clear_open_contexts()
        return threading.active_count() <= self.threads


def _forget_project_modules(baseline: set[str], root: Path) -> None:  # pragma: no cover
    """Drop the modules the last file imported from the project, so the next file re-imports
    them fresh (as Airflow, which parses each file in a new process, would)."""
    prefix = str(root) + os.sep
    for name in list(sys.modules):
        if name in baseline:
            continue
        module = sys.modules.get(name)
        file = str(getattr(module, "__file__", "") or "")
        if name.startswith("unusual_prefix_") or (
            file.startswith(prefix) and "site-packages" not in file
        ):
            del sys.modules[name]
