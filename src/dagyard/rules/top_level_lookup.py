"""DY107 top-level-lookup: a variable, connection or hook is used while Airflow parses the file.

What it does
    Records every `Variable.get` and connection look-up made while the file loads (the check
    answers them with stand-ins, see above) at the deepest line of your repository on the
    stack, and reads the file for hooks created or connections built at the top level
    (outside any function), e.g. `PostgresHook(...)`, `Connection(...)`.

Why it matters
    Code at the top level runs every time Airflow parses the file (every 30 s, in every DAG
    processor). Each look-up is a query to the metadata database or the secrets manager, and
    a hook usually opens a connection: a repository of hundreds of DAGs turns this into a
    steady load and a slow scheduler.

Example
    TABLE = Variable.get("report_table")          # at the top level
    hook = PostgresHook(postgres_conn_id="dwh")   # at the top level

Fix
    Read variables inside the task, or pass them as templates (`"{{ var.value.report_table }}"`);
    give operators a `conn_id` and create hooks inside task functions.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from dagyard.rules._base import CheckedFile, Context, Issue

ID = "DY107"
NAME = "top-level-lookup"
SEVERITY = "warning"
SUMMARY = "a variable, connection or hook is used at the top level of the file"

HINTS = {
    "variable": "read the variable inside the task, or use the template {{{{ var.value.{key} }}}}",
    "connection": "pass conn_id to the operator, or read the connection inside the task "
    "(templates: {{{{ conn.{key}.host }}}})",
    "hook": "create the hook inside the task function; give operators a conn_id instead",
}
QUICK_WORDS = ("Hook(", "Connection", "get_connection", "Variable.")
LOOKUP_CALLS = {"Variable.get", "Variable.set", "Connection.get", "BaseHook.get_connection"}


def check_file(file: CheckedFile, ctx: Context) -> Iterator[Issue]:
    """One issue per look-up made while loading, and per hook created at the top level."""
    seen: set[tuple[Path, int | None]] = set()
    if file.result is not None:
        for lookup in file.result.lookups:
            where = Path(lookup.file) if lookup.file else file.path
            if (where, lookup.line) in seen:
                continue
            seen.add((where, lookup.line))
            message = f"the {lookup.kind} '{lookup.key}' is read while Airflow parses the file"
            if where.resolve() != file.path:
                message += f" (while loading {file.relative})"
            yield Issue(message, HINTS[lookup.kind].format(key=lookup.key), where, lookup.line)
    text = file.source.text
    if not any(word in text for word in QUICK_WORDS):
        return
    for line, what, kind in top_level_calls(file.source.tree):
        if (file.path, line) in seen:
            continue
        seen.add((file.path, line))
        yield Issue(
            f"{what} at the top level of the file runs at every parse",
            HINTS[kind].format(key="name"),
            file.path,
            line,
        )


def top_level_calls(tree: ast.Module | None) -> Iterator[tuple[int, str, str]]:
    """(line, description, kind) of hooks, connections and look-ups called outside functions."""
    if tree is None:
        return
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            last = name.rsplit(".", 1)[-1]
            if name in LOOKUP_CALLS or last == "get_connection":
                kind = "variable" if name.startswith("Variable") else "connection"
                yield node.lineno, f"`{name}(...)`", kind
            elif last == "Connection":
                yield node.lineno, "a Connection built in code", "connection"
            elif last.endswith("Hook") and last != "Hook":
                yield node.lineno, f"the hook `{last}(...)`", "hook"
        stack.extend(ast.iter_child_nodes(node))


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    return ""
