"""DY146 parse-time: the file takes longer to load than the repository's budget.

What it does
    Measures how long Airflow takes to import the file (in the isolated child) and reports a
    file slower than `[check] max_parse_seconds` (2 s by default), at the top-level lines that
    took the time (a sampling profiler watches the import: each of the slowest lines is named
    with the seconds spent on it, whatever it called).

Why it matters
    Airflow re-imports every DAG file every few seconds. Slow top-level code (queries, API
    calls, big imports) delays every DAG of the repository, not only this one.

Example
    TABLES = pd.read_sql("select ...", engine)   # at the top level

Fix
    Move the slow work into a task; import heavy libraries inside the task function.
"""

from __future__ import annotations

from collections.abc import Iterator

from dagyard.rules._base import CheckedFile, Context, Issue

ID = "DY146"
NAME = "parse-time"
SEVERITY = "warning"
SUMMARY = "the file loads slower than the budget"
MIN_LINE_SECONDS = 0.1


def check_file(file: CheckedFile, ctx: Context) -> Iterator[Issue]:
    """One issue when the file's import took longer than the budget."""
    result = file.result
    budget = ctx.config.check.max_parse_seconds
    if result is None or result.parse_seconds is None or result.parse_seconds <= budget:
        return
    head = (
        f"Airflow needs {result.parse_seconds:.1f} s to load this file (the budget is {budget:g} s)"
    )
    hint = "move slow top-level work (queries, API calls, heavy imports) into tasks"
    slow = [(line, seconds) for line, seconds in result.hot_lines if seconds >= MIN_LINE_SECONDS]
    if not slow:
        yield Issue(head, hint, file.path, None)
        return
    for line, seconds in slow:
        yield Issue(
            f"{head}; about {seconds:.1f} s of it on this top-level line", hint, file.path, line
        )
