"""DY144 start-date: `start_date` is a fixed date, not "now".

What it does
    Reports a `start_date` (argument or `default_args` key) computed from the current time:
    `datetime.now()`, `datetime.today()`, `utcnow()`, `pendulum.now()`/`today()`, `days_ago()`.

Why it matters
    Airflow re-reads the file every few seconds; a start date that moves with the clock means
    the first interval never ends, and the DAG never runs (or runs at random moments).

Example
    DAG(dag_id="daily_sync", start_date=datetime.now() - timedelta(days=1))

Fix
    DAG(dag_id="daily_sync", start_date=datetime(2024, 1, 1), catchup=False)
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from dagyard.rules._base import CheckedFile, Context, Issue

ID = "DY144"
NAME = "start-date"
SEVERITY = "error"
SUMMARY = "start_date moves with the clock"

MOVING = {"now", "today", "utcnow", "days_ago", "yesterday", "tomorrow"}
_MOVING_TEXT = re.compile(r"\b(?:" + "|".join(sorted(MOVING)) + r")\s*\(")


def _moving_call(node: ast.AST) -> str | None:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in MOVING:
                return ast.unparse(sub)
    return None


def check_file(file: CheckedFile, ctx: Context) -> Iterator[Issue]:
    """One issue per `start_date` that calls a clock function."""
    if not _MOVING_TEXT.search(file.source.text):
        return
    tree = file.source.tree
    if tree is None:
        return
    for node in ast.walk(tree):
        values = []
        if isinstance(node, ast.Call):
            values = [kw.value for kw in node.keywords if kw.arg == "start_date"]
        elif isinstance(node, ast.Dict):
            values = [
                v
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant) and k.value == "start_date"
            ]
        for value in values:
            call = _moving_call(value)
            if call:
                yield Issue(
                    f"start_date uses `{call}`, so it moves every time Airflow reads the file",
                    "use a fixed date such as datetime(2024, 1, 1) together with catchup=False",
                    file.path,
                    value.lineno,
                )
