"""DY105 vanished-dag: a DAG that exists on the base branch is gone after this change.

What it does
    With `dagyard check --changed`, reads the changed and deleted DAG files as they are on the
    base ref (the merge base with the default branch, or `--base REF`) and reports each DAG id
    that no file of the repository defines any more. A file that fails to load is reported by
    its own error (DY101, DY170), not as removing its DAGs.

Why it matters
    Renaming a `dag_id` or deleting a file removes the DAG from Airflow: its history stays
    behind under the old id and its schedule stops. Often that is intended, sometimes it is a
    typo in an edit.

Example
    - DAG(dag_id="daily_revenue_mart", ...)
    + DAG(dag_id="daily_revenu_mart", ...)

Fix
    Restore the id if the change was not meant to remove the DAG; if it was, say so in the
    review (this finding is a warning by default).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from dagyard.rules._base import Context, Issue

ID = "DY105"
NAME = "vanished-dag"
SEVERITY = "warning"
SUMMARY = "a DAG on the base branch no longer exists"


def check_repo(ctx: Context) -> Iterator[Issue]:
    """Report DAG ids that were on the base ref and that no file defines now."""
    if not ctx.base_dag_ids:
        return
    now = set(ctx.other_dag_ids)
    failing = set()  # a file that does not load is reported as such, not as removing its DAGs
    for file in ctx.files:
        if file.result is not None:
            now.update(dag.dag_id for dag in file.result.dags)
            if file.result.errors:
                failing.add(file.path)
    for dag_id, path in sorted(ctx.base_dag_ids.items()):
        if dag_id in now or Path(path).resolve() in failing:
            continue
        gone = "was deleted" if path in ctx.deleted else "no longer defines it"
        yield Issue(
            f"the DAG '{dag_id}' exists on {ctx.base[:12] if ctx.base else 'the base'} but "
            f"is gone: {ctx.relative(path)} {gone}",
            "if this was not meant to remove the DAG, restore its dag_id; its run history "
            "stays under the old id",
            path,
            None,
        )
