"""DY142 catchup: every DAG says explicitly whether it catches up on missed runs.

What it does
    Reports a `DAG(...)` / `@dag(...)` call without a `catchup=` argument, for a DAG whose
    schedule makes runs at regular times (cron, a preset such as `@daily`, a time delta). A DAG
    with no schedule, `@once`, `@continuous` or assets alone never catches up: it is left alone.

Why it matters
    The default changed between Airflow versions and can be changed in the configuration. A DAG
    with a start date two years ago and catchup on starts hundreds of runs at once.

Example
    DAG(dag_id="daily_sync", start_date=datetime(2023, 1, 1), schedule="@daily")

Fix
    DAG(..., catchup=False)   # or True when you really want the backfill
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from dagyard.parsing.source import keyword
from dagyard.rules._base import CheckedFile, Context, Issue

ID = "DY142"
NAME = "catchup"
SEVERITY = "warning"
SUMMARY = "the DAG does not set catchup explicitly"

_CATCHUP = re.compile(r"\bcatchup\s*=")
_DAG_CALL = re.compile(r"\bDAG\s*\(|@(?:\w+\.)?dag\b")


def check_file(file: CheckedFile, ctx: Context) -> Iterator[Issue]:
    """One issue per DAG call of the file without `catchup=` that makes a periodic DAG."""
    if file.result is None or not file.result.dags:
        return
    text = file.source.text
    if len(_CATCHUP.findall(text)) >= len(_DAG_CALL.findall(text)):
        return  # every DAG call can have its catchup= (cheap test before parsing the file)
    for call in _calls_of_periodic_dags(file):
        if keyword(call, "catchup") is None and not any(kw.arg is None for kw in call.keywords):
            yield Issue(
                "this DAG does not say whether it catches up on missed runs",
                "add catchup=False (or catchup=True if you want past runs to be started)",
                file.path,
                call.lineno,
            )


def _calls_of_periodic_dags(file: CheckedFile) -> list[ast.Call]:
    """The DAG calls that make the file's periodic DAGs; every DAG call when one of those
    DAGs cannot be traced to its call (an id built at run time)."""
    calls: dict[int, ast.Call] = {}
    for dag in file.result.dags:
        if not dag.periodic:
            continue
        call = file.source.dag_call(dag.dag_id)
        if call is None and file.source.dag_line(dag.dag_id) is not None:
            continue  # made by `@asset`, which always sets catchup=False
        if call is None:
            return file.source.dag_calls()
        calls[call.lineno] = call
    return [calls[line] for line in sorted(calls)]
