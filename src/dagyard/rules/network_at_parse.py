"""DY106 network-at-parse: the file reaches the network or starts a program while Airflow parses it.

What it does
    Loads the file in the check's sandbox, where network calls (connections, name look-ups,
    datagrams) and new programs (`subprocess`, `os.system`, ...) are refused, and reports each
    attempt at the deepest line of your repository on the stack, even when the code catches
    the error. Nothing the DAG code does leaves the machine during a check.

Why it matters
    Airflow re-parses every DAG file every 30 seconds in every DAG processor. A call at the top
    level runs at every parse: it slows the scheduler down for the whole repository, hammers
    the API or database it calls, and breaks the file whenever that service is down.

Example
    TABLES = requests.get("https://api.example.com/tables").json()   # at the top level

Fix
    Move the call into a task (it then runs once per run), or read the value at run time with a
    template (`{{ var.value.tables }}`, `{{ conn.api.host }}`) or through a connection given to
    an operator.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from dagyard.rules._base import CheckedFile, Context, Issue

ID = "DY106"
NAME = "network-at-parse"
SEVERITY = "error"
SUMMARY = "the file uses the network or starts a program while Airflow parses it"

NETWORK_HINT = (
    "move this call into a task (it then runs once per run, not at every parse), or read the "
    "value at run time with a template such as {{ var.value.x }} / {{ conn.x.host }} or a "
    "connection passed to an operator"
)
PROCESS_HINT = (
    "run the command inside a task (BashOperator or a @task function), not at the top level "
    "of the file"
)


def check_file(file: CheckedFile, ctx: Context) -> Iterator[Issue]:
    """One issue per refused call, at the user's line that made it."""
    if file.result is None:
        return
    seen: set[tuple[str, str | None, int | None]] = set()
    for attempt in file.result.blocked:
        key = (attempt.kind, attempt.file, attempt.line)
        if key in seen:
            continue
        seen.add(key)
        where = Path(attempt.file) if attempt.file else file.path
        message = (
            f"this code {attempt.action} while Airflow parses the file "
            "(dagyard check blocked it; Airflow would do it at every parse)"
        )
        if where.resolve() != file.path:
            message += f" (while loading {file.relative})"
        hint = NETWORK_HINT if attempt.kind == "network" else PROCESS_HINT
        yield Issue(message, hint, where, attempt.line)
