"""How a file that did not load becomes a finding: what went wrong, where in the user's code,
and what to do next.

A child reports an import's traceback, a pipeline file's problems or a `sys.exit`; a child that
died reports nothing, and its exit status or the timeout says why. Each becomes a `LoadError`
that points at the deepest frame in the user's own files rather than in Airflow or a library.
"""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path
from typing import NamedTuple

from dagyard.parsing.child_process import OUT_OF_MEMORY

_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


class LoadError(NamedTuple):
    """Why a file did not load, pointing at the user's own code where possible."""

    kind: str  # import | pipeline | timeout | exit | crashed | memory
    message: str
    file: str
    line: int | None
    details: str = ""
    column: int | None = None


def reported_errors(data: dict, path: Path, root: Path) -> list[LoadError]:
    """The errors a child reported for `path`: import tracebacks, pipeline problems, sys.exit."""
    errors = [error_from_traceback(text, path, root) for text in data["errors"]]
    errors += [
        LoadError("pipeline", message, file, line, hint, column)
        for file, line, column, message, hint in data.get("pipeline_problems", ())
    ]
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
    return errors


def error_from_timeout(path: Path, timeout: float) -> LoadError:
    """The error of a file whose loading was stopped after `timeout` seconds."""
    return LoadError(
        "timeout",
        f"loading took longer than {timeout:g} s and was stopped",
        str(path),
        None,
        "top-level code runs every time Airflow parses the file; move slow work into tasks",
    )


def error_from_status(status: int, path: Path, memory_mb: int) -> LoadError:
    """The error of a child that died without an answer, from its wait status."""
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
    if code == OUT_OF_MEMORY:
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


def error_from_traceback(trace: str, path: Path, root: Path) -> LoadError:
    """The error a traceback shows, pointing at the user's file and line (for `path`)."""
    message = exception_text(trace)
    frame = _user_frame(trace, path, root)
    kind = "memory" if message.startswith("MemoryError") else "import"
    if kind == "memory":
        message = "the file used too much memory while being loaded (MemoryError)"
    file, line = frame if frame else (str(path), None)
    if message.startswith("SystemExit"):
        code = message.partition(":")[2].strip() or "None"
        return LoadError(
            "exit",
            f"the file called sys.exit({code}) while being loaded",
            file,
            line,
            "remove sys.exit()/exit() from the top level of the file",
        )
    return LoadError(kind, message, file, line, trace)


def exception_text(trace: str) -> str:
    """The exception's own text at the end of a traceback, all its lines joined (a driver's
    message can span lines: "... failed: Network is unreachable / Is the server running...")."""
    lines = [line for line in trace.splitlines() if line.strip()]
    frames = [n for n, line in enumerate(lines) if line.startswith('  File "')]
    start = frames[-1] + 1 if frames else 0
    while start < len(lines) and lines[start][:1].isspace():
        start += 1  # the frame's source line and its ^^^^ markers
    text = " ".join(line.strip() for line in lines[start:])
    return text or (lines[-1].strip() if lines else "the file could not be imported")


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
