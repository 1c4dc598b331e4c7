"""DY140 retries: every task says how often it is retried.

What it does
    Reports a DAG with tasks whose `retries` is not set, neither on the task nor in
    `default_args` (an explicit `retries=0` is fine).

Why it matters
    Most failures in data pipelines are passing ones (a busy database, a network blip). Without
    retries they page a person; with them, the run heals itself.

Example
    with DAG(dag_id="daily_sync", default_args={"owner": "a@example.com"}): ...

Fix
    default_args={"owner": "a@example.com", "retries": 2}
"""

from __future__ import annotations

from collections.abc import Iterator

from dagyard.rules._base import CheckedFile, Context, Issue

ID = "DY140"
NAME = "retries"
SEVERITY = "warning"
SUMMARY = "tasks do not set retries"


def check_file(file: CheckedFile, ctx: Context) -> Iterator[Issue]:
    """One issue per DAG with tasks that do not set retries."""
    if file.result is None:
        return
    for dag in file.result.dags:
        missing = [t.task_id for t in dag.tasks if "retries" not in t.explicit]
        if "retries" in dag.default_args or not missing:
            continue
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        yield Issue(
            f"DAG '{dag.dag_id}' has tasks that do not set retries: {shown}",
            'add "retries": 2 (or an explicit 0) to the DAG\'s default_args',
            file.path,
            file.source.dag_line(dag.dag_id),
        )
