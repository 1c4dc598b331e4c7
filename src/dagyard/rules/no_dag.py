"""DY103 no-dag: a file looks like a DAG file but Airflow would find no DAG in it.

What it does
    Reports a file of the DAGs folder that (a) writes a DAG (`DAG(...)`, `@dag`) but defines
    no DAG when loaded, or (b) seems to define a DAG but lacks the words "airflow" and "dag", so
    Airflow's default "safe mode" skips it without a word. `dagyard check --all` does not load
    such a file (Airflow would not), so (b) reads its source: a `DAG(...)` call, an `@dag`
    function or a top-level name containing "dag" that is assigned a call. Shared modules that
    DAG files import and `__init__.py` files are not DAG files and are not reported.

Why it matters
    Both cases give the same surprise: the DAG never appears in Airflow, and no error says why.

Example
    @dag(schedule="@daily", start_date=datetime(2024, 1, 1))
    def report(): ...
    # report() is never called, so no DAG is created

Fix
    (a) call the `@dag` function at the end of the file (`report()`); (b) import something
    from `airflow` in the file, or add a comment such as `# airflow dag`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from dagyard.parsing.discovery import looks_like_dag_file
from dagyard.parsing.source import Source
from dagyard.pipelines import is_pipeline_file
from dagyard.rules._base import CheckedFile, Context, Issue

ID = "DY103"
NAME = "no-dag"
SEVERITY = "error"
SUMMARY = "the file looks like a DAG file but Airflow would find no DAG in it"


def check_file(file: CheckedFile, ctx: Context) -> Iterator[Issue]:
    """Report a DAG-looking file with no DAG, or a DAG file that safe mode would skip."""
    result = file.result
    if result is None or result.errors or is_pipeline_file(file.path):
        return  # pipeline files are listed by dagyard's loader, not by safe mode
    heuristic = looks_like_dag_file(file.source.text.encode())
    shared = file.path in ctx.shared or file.path.name == "__init__.py"
    if heuristic and not result.dags and file.source.dag_calls() and not shared:
        yield Issue(
            "this file writes a DAG but Airflow finds no DAG in it when loading it",
            "create the DAG at the top level (for a @dag function, call it at the end of the "
            "file); shared code belongs in a module imported by DAG files",
            file.path,
            None,
        )
    elif result.dags and not heuristic:
        ids = ", ".join(d.dag_id for d in result.dags)
        yield Issue(
            f"Airflow will skip this file, so DAG {ids} will never appear: the file does not "
            "contain both words 'airflow' and 'dag'",
            "import something from airflow in this file, or add the comment `# airflow dag`",
            file.path,
            1,
        )


def check_repo(ctx: Context) -> Iterator[Issue]:
    """Report files Airflow skips (safe mode) whose source seems to create a DAG."""
    for path in ctx.skipped:
        source = Source(path)
        line = dag_like_line(source)
        if line is None:
            continue
        yield Issue(
            "Airflow will skip this file, so the DAG it seems to create will never appear: "
            "the file does not contain both words 'airflow' and 'dag'",
            "import something from airflow in this file, or add the comment `# airflow dag`",
            path,
            line,
        )


def dag_like_line(source: Source) -> int | None:
    """The first line that seems to create a DAG: `DAG(...)`, `@dag`, or `x_dag = call()`."""
    calls = source.dag_calls()
    if calls:
        return calls[0].lineno
    tree = source.tree
    if tree is None:
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and any(
            "dag" in ast.unparse(d).lower() for d in node.decorator_list
        ):
            return node.lineno
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if any("dag" in name.lower() for name in names):
                return node.lineno
    return None
