"""DY170 pipeline-error: a pipeline file (`*.pipeline.yaml`) has a mistake and cannot load.

What it does
    Reads the pipeline file the way Airflow does (through dagyard's pipeline loader) and
    reports every mistake with its line and column: YAML syntax (tabs, indentation, quotes,
    duplicate keys), unknown keys, templates and steps ("did you mean"), wrong values (a
    number, a date, a cron schedule), a cycle in `needs`, a missing `.sql` file. Whose address
    the owner is does not stop a pipeline from loading (as it does not stop a Python DAG):
    DY110 reports it.

Why it matters
    A pipeline that does not load does not run, and nobody sees it until the deploy. Every
    other pipeline still loads: one broken file never hides another.

Example
    retries: two

Fix
    retries: 2        # the message says what each setting accepts; docs/pipelines.md too
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from dagyard.rules._base import CheckedFile, Context, Issue

ID = "DY170"
NAME = "pipeline-error"
SEVERITY = "error"
SUMMARY = "a pipeline file has a mistake and cannot load"
SPEAKS_PIPELINES = True  # its messages are written for pipeline files already


def check_file(file: CheckedFile, ctx: Context) -> Iterator[Issue]:
    """One issue per problem of the pipeline file, at its line and column."""
    if file.result is None:
        return
    for error in file.result.errors:
        if error.kind == "pipeline":
            yield Issue(error.message, error.details, Path(error.file), error.line, error.column)
