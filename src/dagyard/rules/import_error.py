"""DY101 import-error: the DAG file (or a module it imports) raised an error while loading.

What it does
    Loads the file the way Airflow does, in an isolated child process, and reports the
    exception with the line of *your* code that raised it (not Airflow's internals).

Why it matters
    A file that does not import shows no DAG in Airflow: its runs stop, and the error only
    appears in the UI after the deploy.

Example
    from airflow.sdk import DAG
    from airflow.operators.bash import BashOperator   # moved in Airflow 3 -> ModuleNotFoundError

Fix
    Fix the line shown; for a missing package, `dagyard deps add PACKAGE`; for a
    moved import, use the Airflow 3 location (ruff's AIR rules in DY150 name it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from dagyard.parsing.missing_module import deps_add_hint
from dagyard.rules._base import CheckedFile, Context, Issue

ID = "DY101"
NAME = "import-error"
SEVERITY = "error"
SUMMARY = "the DAG file raises an error when Airflow imports it"
BLOCKED_MARK = "dagyard check blocks"


def hint_for(message: str) -> str:
    """A plain next step for an exception message."""
    return specific_hint(message) or "fix the error on this line, then run `dagyard check` again"


def specific_hint(message: str) -> str | None:
    """The next step for an exception message when there is one beyond "fix this line"."""
    if "Network is unreachable" in message or BLOCKED_MARK in message:
        return (
            "the file uses the network while it loads; a check gives it none (nothing leaves "
            "the machine), and Airflow would make the call at every parse: move it into a task "
            "or read the value at run time with a template or a connection"
        )
    if message.startswith(("ModuleNotFoundError", "ImportError")):
        missing_package = deps_add_hint(message)
        if missing_package:
            return missing_package
        if "airflow" in message:
            return (
                "this import does not exist in Airflow 3; `dagyard migrate FILE` shows where the "
                "name went (e.g. airflow.providers.standard.operators.bash, airflow.sdk) and "
                "`--write` changes the file"
            )
        return "add the missing package with `dagyard deps add PACKAGE`, or fix the module name"
    if message.startswith("SyntaxError") or message.startswith("IndentationError"):
        return (
            "the syntax is broken on this line or just before it: look for an unclosed "
            "bracket or quote, a missing colon, or wrong indentation"
        )
    if message.startswith("NameError"):
        return "the name is not defined: import it or fix its spelling"
    if message.startswith("TypeError") and "argument" in message:
        return "an argument is wrong or no longer exists; check the operator's documentation"
    if "is not registered" in message and "Timetable" in message:
        return (
            "Airflow stores a DAG with a custom timetable only when a plugin registers that "
            "class, and dagyard loads no plugins: use a cron expression, a preset or a "
            "timetable Airflow ships (airflow.timetables)"
        )
    if "Unknown priority strategy" in message:
        return 'use one of Airflow\'s weight rules: "downstream", "upstream" or "absolute"'
    if "Timetable" in message or "cron" in message:
        return 'use a valid cron expression ("minute hour day month weekday") or a preset'
    if "Cycle" in message or "cycle" in message:
        return "tasks depend on each other in a circle; remove one of the >> links"
    return None


def check_file(file: CheckedFile, ctx: Context) -> Iterator[Issue]:
    """One issue per import error of the file."""
    if file.result is None:
        return
    blocked_reported = bool(file.result.blocked) and "DY106" not in ctx.config.check.disable
    for error in file.result.errors:
        if error.kind != "import":
            continue
        if blocked_reported and BLOCKED_MARK in error.message:
            continue  # DY106 names the call the sandbox refused
        where = Path(error.file)
        line = error.line
        if line is None and "Timetable" in error.message:
            line = file.source.keyword_line("schedule")
        message = f"Airflow cannot load this file: {error.message}"
        if where.resolve() != file.path:
            message += f" (while loading {file.relative})"
        yield Issue(message, hint_for(error.message), where, line)
