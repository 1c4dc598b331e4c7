"""DY141 tags: every DAG has at least one tag.

What it does
    Reports a DAG without `tags`.

Why it matters
    With hundreds of DAGs, tags are how people filter the Airflow UI for their team, domain or
    data source.

Example
    DAG(dag_id="daily_sync", ...)

Fix
    DAG(dag_id="daily_sync", tags=["data_lake"], ...)
"""

from __future__ import annotations

from collections.abc import Iterator

from dagyard.rules._base import CheckedFile, Context, Issue

ID = "DY141"
NAME = "tags"
SEVERITY = "warning"
SUMMARY = "the DAG has no tags"


def check_file(file: CheckedFile, ctx: Context) -> Iterator[Issue]:
    """One issue per DAG without tags."""
    if file.result is None:
        return
    for dag in file.result.dags:
        if not dag.tags:
            folder = file.relative.split("/")[-2] if "/" in file.relative else "team"
            yield Issue(
                f"DAG '{dag.dag_id}' has no tags",
                f'add tags, e.g. tags=["{folder}"], so people can find it in the Airflow UI',
                file.path,
                file.source.dag_line(dag.dag_id),
            )
