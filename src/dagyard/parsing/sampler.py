"""Which top-level lines of a DAG file took the time while it loaded (a sampling profiler).

While a file loads, a background thread looks at the loading thread's stack every `INTERVAL`
seconds and counts the line of the DAG file's module code that is running (the top-level
statement, whatever it calls). Wall time is sampled, so a slow disk or a sleep counts too.

A thread rather than a timer signal: Airflow's import timeout already owns SIGALRM. It is a
bare `_thread`, not a `threading.Thread`, so the DAG code does not see one more thread in
`threading`; it is started once per process (a worker loading many files reuses it), so a file
costs a few lock operations.
"""

from __future__ import annotations

import _thread
import os
import sys
from collections import Counter

INTERVAL = 0.02


class _Thread:
    """The process's sampling thread: idle until `go` is released, samples until `stop` is."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.path = ""
        self.target = 0
        self.counts: Counter[int] = Counter()
        self.go = _thread.allocate_lock()
        self.stop = _thread.allocate_lock()
        self.done = _thread.allocate_lock()
        self.go.acquire()
        self.done.acquire()
        _thread.start_new_thread(self._run, ())

    def _run(self) -> None:
        while True:
            self.go.acquire()
            while not self.stop.acquire(timeout=INTERVAL):
                self._sample()
            self.stop.release()
            self.done.release()

    def _sample(self) -> None:
        frame = sys._current_frames().get(self.target)
        while frame is not None:
            code = frame.f_code
            if code.co_name == "<module>" and code.co_filename == self.path:
                self.counts[frame.f_lineno] += 1
                return
            frame = frame.f_back


_running: _Thread | None = None


def _thread_of_this_process() -> _Thread:
    global _running
    if _running is None or _running.pid != os.getpid():
        _running = _Thread()
    return _running


class LineSampler:
    """While active, counts which top-level line of `path` the current thread is running."""

    def __init__(self, path: str):
        self.path = path
        self.counts: Counter[int] = Counter()

    def __enter__(self) -> LineSampler:
        sampler = _thread_of_this_process()
        sampler.path, sampler.target, sampler.counts = self.path, _thread.get_ident(), self.counts
        sampler.stop.acquire()
        sampler.go.release()
        return self

    def __exit__(self, *exc) -> None:
        sampler = _thread_of_this_process()
        sampler.stop.release()
        sampler.done.acquire()

    def hot_lines(self, limit: int = 3) -> list[tuple[int, float]]:
        """The `limit` top-level lines seen most often, with the seconds they took (estimated)."""
        return [(line, n * INTERVAL) for line, n in self.counts.most_common(limit)]
