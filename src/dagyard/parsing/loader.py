"""Load one DAG file in a forked child, with a timeout and a memory cap.

The parent imports Airflow once; each file is imported in a fresh fork of it, so a file that
raises, loops forever, calls `sys.exit`/`os._exit`, crashes the interpreter or allocates without
bound is reported as that file's error, and the caller carries on. Airflow's own `DagBag` does
the import, so what passes here is what Airflow itself would load.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import select
import signal
import sys
import time
from pathlib import Path
from typing import NamedTuple

_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


class DagSummary(NamedTuple):
    """What the file defined: one DAG."""

    dag_id: str
    fileloc: str
    task_count: int


class LoadError(NamedTuple):
    """Why a file did not load, pointing at the user's own code where possible."""

    kind: str  # import | timeout | exit | crashed | memory
    message: str
    file: str
    line: int | None
    details: str = ""


class LoadResult(NamedTuple):
    """The outcome of loading one file."""

    path: str
    dags: list[DagSummary]
    errors: list[LoadError]
    seconds: float

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
    path = path.resolve()
    started = time.monotonic()
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - observed through the pipe
        os.close(read_fd)
        _child(path, write_fd, memory_mb)
    os.close(write_fd)
    payload, status, timed_out = _collect(pid, read_fd, timeout)
    seconds = time.monotonic() - started
    root = project_root or path.parent
    if timed_out:
        error = LoadError(
            "timeout",
            f"loading took longer than {timeout:g} s and was stopped",
            str(path),
            None,
            "top-level code runs every time Airflow parses the file; move slow work into tasks",
        )
        return LoadResult(str(path), [], [error], seconds)
    if payload is not None:
        data = json.loads(payload)
        dags = [DagSummary(**d) for d in data["dags"]]
        errors = [_error_from_traceback(text, path, root) for text in data["errors"]]
        if data.get("exit") is not None:
            errors.append(
                LoadError(
                    "exit",
                    f"the file called sys.exit({data['exit']!r}) while being loaded",
                    str(path),
                    _user_line(data.get("exit_trace", ""), path, root),
                    "remove sys.exit()/exit() from the top level of the file",
                )
            )
        return LoadResult(str(path), dags, errors, seconds)
    return LoadResult(str(path), [], [_error_from_status(status, path, memory_mb)], seconds)


def _collect(pid: int, read_fd: int, timeout: float) -> tuple[bytes | None, int, bool]:
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    timed_out = False
    with os.fdopen(read_fd, "rb", buffering=0) as reader:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([reader], [], [], remaining)
            if not ready:
                continue
            chunk = reader.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
    if timed_out:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    data = b"".join(chunks)
    return (data if data else None), status, timed_out


def _child(path: Path, write_fd: int, memory_mb: int) -> None:  # pragma: no cover
    code = 0
    try:
        os.setpgid(0, 0)
        limit = _current_address_space() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.dup2(null, 2)
        result: dict = {"dags": [], "errors": [], "exit": None}
        try:
            from airflow.dag_processing.dagbag import DagBag

            bag = DagBag(dag_folder=str(path), collect_dags=False)
            dags = bag.process_file(str(path), only_if_updated=False, safe_mode=False)
            result["dags"] = [
                {"dag_id": d.dag_id, "fileloc": str(d.fileloc), "task_count": len(d.tasks)}
                for d in dags
            ]
            result["errors"] = list(bag.import_errors.values())
        except SystemExit as exit_:
            import traceback

            result["exit"] = exit_.code
            result["exit_trace"] = "".join(traceback.format_tb(exit_.__traceback__))
        os.write(write_fd, json.dumps(result, default=str).encode())
    except MemoryError:
        code = 3
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _current_address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _user_line(trace: str, path: Path, root: Path) -> int | None:
    frame = _user_frame(trace, path, root)
    return frame[1] if frame else None


def _user_frame(trace: str, path: Path, root: Path) -> tuple[str, int] | None:
    """The deepest frame of the traceback that is in the DAG file or the user's project."""
    best = None
    for match in _FRAME.finditer(trace):
        file = match.group("file")
        if file == str(path) or (file.startswith(str(root)) and "site-packages" not in file):
            best = (file, int(match.group("line")))
    return best


def _error_from_traceback(trace: str, path: Path, root: Path) -> LoadError:
    lines = [line for line in trace.strip().splitlines() if line.strip()]
    message = lines[-1].strip() if lines else "the file could not be imported"
    frame = _user_frame(trace, path, root)
    kind = "memory" if message.startswith("MemoryError") else "import"
    if kind == "memory":
        message = "the file used too much memory while being loaded (MemoryError)"
    file, line = frame if frame else (str(path), None)
    return LoadError(kind, message, file, line, trace)


def _error_from_status(status: int, path: Path, memory_mb: int) -> LoadError:
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        name = signal.Signals(signum).name
        return LoadError(
            "crashed",
            f"Python crashed while loading the file ({name})",
            str(path),
            None,
            "a library called from the top level of the file crashed; move that call into a task",
        )
    code = os.waitstatus_to_exitcode(status)
    if code == 3:
        return LoadError(
            "memory",
            f"the file used more than {memory_mb} MB of memory while being loaded",
            str(path),
            None,
            "load big data inside tasks, not at the top level of the file",
        )
    return LoadError(
        "exit",
        f"the file ended the process (exit code {code}) while being loaded",
        str(path),
        None,
        "remove os._exit()/sys.exit() from the top level of the file",
    )
