"""DY145 task-count: a DAG has more tasks than the repository's budget.

What it does
    Reports a DAG with more tasks than `[check] max_tasks` (100 by default).

Why it matters
    Very large DAGs parse slowly, are hard to read in the UI and often hide several pipelines
    that should fail and retry independently.

Example
    for table in ALL_800_TABLES: PythonOperator(task_id=f"copy_{table}", ...)

Fix
    Split the DAG (by domain, by schedule), or use dynamic task mapping (`.expand()`), which
    creates the task instances at run time instead of parse time.
"""

from __future__ import annotations

from collections.abc import Iterator

from dagyard.rules._base import CheckedFile, Context, Issue

ID = "DY145"
NAME = "task-count"
SEVERITY = "warning"
SUMMARY = "the DAG has more tasks than the budget"


def check_file(file: CheckedFile, ctx: Context) -> Iterator[Issue]:
    """One issue per DAG over the task budget."""
    if file.result is None:
        return
    budget = ctx.config.check.max_tasks
    for dag in file.result.dags:
        if dag.task_count > budget:
            yield Issue(
                f"DAG '{dag.dag_id}' has {dag.task_count} tasks (the budget is {budget})",
                "split it into smaller DAGs or use dynamic task mapping (.expand())",
                file.path,
                file.source.dag_line(dag.dag_id),
            )
