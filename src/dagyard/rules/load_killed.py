"""DY102 load-killed: loading the file hung, exited, crashed or used too much memory.

What it does
    Each file is loaded in its own child process with a time limit and a memory cap. A file
    that runs longer than `[check] timeout_seconds`, calls `sys.exit()`/`os._exit()`,
    crashes the interpreter (segfault) or allocates more than `[check] memory_mb` is reported;
    the check goes on with the other files.

Why it matters
    Airflow runs a file's top-level code every time it parses it (every 30 s or so). Top-level
    code that hangs or exits blocks parsing of that file, and can slow down or kill the DAG
    processor for everyone.

Example
    data = requests.get("https://big.example/export").json()   # at the top level
    sys.exit(0)

Fix
    Move slow work, downloads and big data into tasks; never exit at the top level.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from dagyard.rules._base import CheckedFile, Context, Issue

ID = "DY102"
NAME = "load-killed"
SEVERITY = "error"
SUMMARY = "loading the file timed out, exited, crashed or ran out of memory"


def check_file(file: CheckedFile, ctx: Context) -> Iterator[Issue]:
    """One issue per timeout, exit, crash or memory error while loading the file."""
    if file.result is None:
        return
    for error in file.result.errors:
        if error.kind in ("import", "pipeline"):
            continue
        hint = (
            error.details
            if error.kind != "memory" or "\n" not in error.details
            else ("load big data inside tasks, not at the top level of the file")
        )
        yield Issue(
            f"Airflow cannot load this file: {error.message}", hint, Path(error.file), error.line
        )
