"""What `dagyard migrate` cannot fix safely: each with its line and what the author should do.

These read the module's syntax tree only; nothing is imported or run.
"""

from __future__ import annotations

import ast
from typing import NamedTuple

from dagyard.migrate.templates import CONTEXT_ONLY_HINT, NO_REPLACEMENT, rewrite_template

ORM_HINT = (
    'Airflow 3 does not let task code use the metadata database (it fails with "Direct '
    'database access via the ORM is not allowed"). Read what you need through the REST API '
    "v2 (for example GET /api/v2/dags/~/dagRuns/~/taskInstances?state=failed). If this DAG "
    "reports failures or cleans old records, retire it: `dagyard alerts` sends the failure "
    "digest to each DAG's owner and `dagyard db clean` cleans the metadata database."
)
MODULE_LEVEL_HINT = (
    "It runs every time Airflow reads the file (every 30 s for each DAG file), and in Airflow 3 "
    "the DAG processor may not reach it. Move the call into a task, or use a template such as "
    "{{ var.value.name }} / {{ conn.name.host }} in an operator argument."
)
ORM_CALLS = {"Session", "create_session", "provide_session"}
ORM_MODULES = {"airflow.settings", "airflow.utils.session", "airflow.utils.db"}
MODULE_LEVEL_CALLS = {
    ("Variable", "get"): "Variable.get",
    ("Variable", "set"): "Variable.set",
    ("BaseHook", "get_connection"): "BaseHook.get_connection",
    ("Connection", "get_connection_from_secrets"): "Connection.get_connection_from_secrets",
    ("Connection", "get"): "Connection.get",
}
REMOVED_ARGUMENTS = {
    "sla": "SLAs are gone in Airflow 3. Remove `sla=`; for a late-run alert use a deadline "
    "alert (`deadline=DeadlineAlert(...)`) or rely on dagyard's failure digest.",
    "sla_miss_callback": "SLAs are gone in Airflow 3. Remove `sla_miss_callback=`; for a "
    "late-run alert use a deadline alert (`deadline=DeadlineAlert(...)`).",
    "concurrency": "`concurrency` was renamed: use `max_active_tasks=` with the same value.",
    "task_concurrency": "`task_concurrency` was renamed: use `max_active_tis_per_dag=`.",
    "default_view": "Airflow 3's UI has no per-DAG default view; remove `default_view=`.",
    "orientation": "Airflow 3's UI has no per-DAG orientation; remove `orientation=`.",
    "timetable": "use `schedule=` with the same timetable object.",
    "full_filepath": "remove `full_filepath=`: Airflow 3 knows each DAG's file itself.",
}


class Finding(NamedTuple):
    """Something left for the author: stable code, 1-based line, message, what to do."""

    code: str
    line: int
    message: str
    hint: str


def find_leftovers(code: str) -> list[Finding]:
    """Everything in `code` that Airflow 3 rejects or runs differently and that was not fixed."""
    tree = ast.parse(code)
    findings: list[Finding] = []
    findings += _orm_access(tree)
    findings += _subdags(tree)
    findings += _removed_arguments(tree)
    findings += _module_level_calls(tree)
    findings += _context_keys(tree)
    return sorted(set(findings), key=lambda f: (f.line, f.code))


def _orm_access(tree: ast.Module) -> list[Finding]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ORM_MODULES:
            names = [alias.name for alias in node.names if alias.name in ORM_CALLS]
            if names:
                found.append(
                    Finding(
                        "DYM01",
                        node.lineno,
                        f"imports {', '.join(names)} to open metadata-database sessions",
                        ORM_HINT,
                    )
                )
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "Session"
            and isinstance(node.value, ast.Name)
            and node.value.id == "settings"
        ) or (isinstance(node, ast.Attribute) and node.attr == "query" and _is_session(node)):
            found.append(
                Finding("DYM01", node.lineno, "reads the metadata database directly", ORM_HINT)
            )
    return found


def _is_session(node: ast.Attribute) -> bool:
    value = node.value
    if isinstance(value, ast.Name):
        return "session" in value.id.lower()
    return isinstance(value, ast.Call) and _call_name(value) in ORM_CALLS


def _subdags(tree: ast.Module) -> list[Finding]:
    found = []
    for node in ast.walk(tree):
        mentions = (
            isinstance(node, ast.ImportFrom) and node.module is not None and "subdag" in node.module
        ) or (isinstance(node, ast.Call) and _call_name(node) == "SubDagOperator")
        if mentions:
            found.append(
                Finding(
                    "DYM02",
                    node.lineno,
                    "uses a SubDAG; Airflow 3 removed SubDAGs",
                    "Put the sub-DAG's tasks in a task group instead: "
                    '`with TaskGroup("name"):` (from airflow.sdk import TaskGroup), and drop '
                    "the separate sub-DAG factory.",
                )
            )
    return found


def _removed_arguments(tree: ast.Module) -> list[Finding]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in REMOVED_ARGUMENTS:
                    found.append(
                        Finding(
                            "DYM03",
                            keyword.value.lineno,
                            f"`{keyword.arg}=` no longer exists in Airflow 3",
                            REMOVED_ARGUMENTS[keyword.arg],
                        )
                    )
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if isinstance(key, ast.Constant) and key.value in ("sla", "sla_miss_callback"):
                    found.append(
                        Finding(
                            "DYM03",
                            key.lineno,
                            f"`{key.value}` no longer exists in Airflow 3",
                            REMOVED_ARGUMENTS[key.value],
                        )
                    )
    return found


def _module_level_calls(tree: ast.Module) -> list[Finding]:
    found = []
    for node in _outside_functions(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        key = (owner.id if isinstance(owner, ast.Name) else None, node.func.attr)
        if key in MODULE_LEVEL_CALLS:
            found.append(
                Finding(
                    "DYM04",
                    node.lineno,
                    f"`{MODULE_LEVEL_CALLS[key]}` runs when the file is read, not in a task",
                    MODULE_LEVEL_HINT,
                )
            )
    return found


def _outside_functions(tree: ast.Module):
    """Every node that runs when the module is imported (not inside a def or lambda)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                stack.append(child)


def _context_keys(tree: ast.Module) -> list[Finding]:
    found = []
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            key = node.slice.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            key = node.args[0].value
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for word in rewrite_template(node.value).leftovers:
                found.append(_removed_template_variable(word, node.lineno))
            continue
        if not isinstance(key, str):
            continue
        if key in NO_REPLACEMENT:
            found.append(_removed_template_variable(key, node.lineno))
        elif key in CONTEXT_ONLY_HINT:
            found.append(
                Finding(
                    "DYM05",
                    node.lineno,
                    f"the task context has no `{key}` in Airflow 3",
                    f"use {CONTEXT_ONLY_HINT[key]} instead.",
                )
            )
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for argument in function.args.args + function.args.kwonlyargs:
                if (
                    argument.arg in NO_REPLACEMENT
                    or argument.arg in CONTEXT_ONLY_HINT
                    or (argument.arg in ("execution_date", "next_execution_date"))
                ):
                    found.append(
                        Finding(
                            "DYM05",
                            argument.lineno,
                            f"the parameter `{argument.arg}` asks for a context value Airflow 3 "
                            "no longer passes",
                            "rename it to the Airflow 3 name (`execution_date` -> "
                            "`logical_date`, `next_execution_date` -> `data_interval_end`) and "
                            "update its uses in the function.",
                        )
                    )
    return found


def _removed_template_variable(word: str, line: int) -> Finding:
    return Finding(
        "DYM05",
        line,
        f"`{word}` was removed from templates and the task context in Airflow 3",
        NO_REPLACEMENT[word] + ".",
    )


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None
