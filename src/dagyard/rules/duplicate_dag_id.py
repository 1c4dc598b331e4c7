"""DY104 duplicate-dag-id: two files define a DAG with the same `dag_id`.

What it does
    Collects every DAG id of the repository (from the files loaded, and from the `dag_id`
    literals of the other files) and reports each id defined more than once.

Why it matters
    Airflow keeps only one of the two DAGs, and which one wins can change from one parse to
    the next: runs, history and alerts get mixed up between two pipelines.

Example
    # dags/data_lake/events.py    DAG(dag_id="daily_events", ...)
    # dags/data_mart/events.py    DAG(dag_id="daily_events", ...)

Fix
    Give each DAG a unique id; prefixing it with the folder or team name avoids clashes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from dagyard.rules._base import Context, Issue

ID = "DY104"
NAME = "duplicate-dag-id"
SEVERITY = "error"
SUMMARY = "two DAG files define the same dag_id"


def check_repo(ctx: Context) -> Iterator[Issue]:
    """Report every DAG of a checked file whose id another file also defines."""
    where: dict[str, list[Path]] = {}
    for file in ctx.files:
        if file.result is None:
            continue
        for dag in file.result.dags:
            where.setdefault(dag.dag_id, []).append(file.path)
    checked = {file.path for file in ctx.files}
    for dag_id, paths in where.items():
        others = [p for p in ctx.other_dag_ids.get(dag_id, []) if p not in checked]
        every = sorted(set(paths) | set(others))
        if len(every) < 2 and len(paths) < 2:
            continue
        for path in sorted(set(paths)):
            source = next(f.source for f in ctx.files if f.path == path)
            rest = [ctx.relative(p) for p in every if p != path] or [ctx.relative(path)]
            yield Issue(
                f"the DAG id '{dag_id}' is also used in {', '.join(rest)}",
                "give each DAG a unique dag_id (for example, prefix it with the folder name)",
                path,
                source.dag_line(dag_id),
            )
