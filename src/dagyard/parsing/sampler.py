"""Which top-level lines of a DAG file took the time while it loaded (a sampling profiler).

A background thread looks at the loading thread's stack every `interval` seconds and counts
the line of the DAG file's module code that is running (the top-level statement, whatever it
calls). Wall time is sampled, so waiting on a slow disk or a sleep counts too. A thread rather
than a timer signal: Airflow's import timeout already owns SIGALRM. It is a bare `_thread`, not
a `threading.Thread`, so the DAG code does not see one more thread in `threading`.
"""

from __future__ import annotations

import _thread
import sys
from collections import Counter


class LineSampler:
    """Counts, while active, which top-level line of `path` the current thread is running."""

    def __init__(self, path: str, interval: float = 0.01):
        self.path = path
        self.interval = interval
        self.counts: Counter[int] = Counter()
        self._target = _thread.get_ident()
        self._stop = _thread.allocate_lock()
        self._done = _thread.allocate_lock()

    def __enter__(self) -> LineSampler:
        self._stop.acquire()
        self._done.acquire()
        _thread.start_new_thread(self._run, ())
        return self

    def __exit__(self, *exc) -> None:
        self._stop.release()
        self._done.acquire()
        self._done.release()

    def _run(self) -> None:
        try:
            while not self._stop.acquire(timeout=self.interval):
                self._sample()
        finally:
            self._done.release()

    def _sample(self) -> None:
        frame = sys._current_frames().get(self._target)
        while frame is not None:
            code = frame.f_code
            if code.co_name == "<module>" and code.co_filename == self.path:
                self.counts[frame.f_lineno] += 1
                return
            frame = frame.f_back

    def hot_lines(self, limit: int = 3) -> list[tuple[int, float]]:
        """The `limit` top-level lines seen most often, with the seconds they took (estimated)."""
        return [(line, n * self.interval) for line, n in self.counts.most_common(limit)]
