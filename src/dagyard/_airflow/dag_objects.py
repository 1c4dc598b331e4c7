"""What the check reads from Airflow's DAG and task objects beyond their public attributes.

- The arguments a task was created with: Airflow keeps them in the name-mangled
  `BaseOperator.__init_kwargs`, the only record of what the author wrote (`retries=0` and
  "not given" look alike on the task itself).
- The open `with DAG(...)` / task-group contexts a file left behind when it raised inside one:
  `airflow.sdk.definitions._internal.contextmanager`.
- Whether a DAG's schedule makes runs at regular times (the only schedules catch-up applies
  to): the core timetable's `periodic`, which the Task SDK's timetables do not carry; Airflow
  turns one into the other with `airflow.serialization.encoders.coerce_to_core_timetable`.
"""

from __future__ import annotations

from typing import Any


def explicit_arguments(task: Any) -> dict[str, Any]:
    """The keyword arguments the DAG file passed when it created `task`."""
    return dict(getattr(task, "_BaseOperator__init_kwargs", None) or {})


def clear_open_contexts() -> None:
    """Forget DAGs and task groups a file left open, and the DAGs it registered."""
    from airflow.sdk.definitions._internal.contextmanager import DagContext, TaskGroupContext

    for context in (DagContext, TaskGroupContext):
        stack = getattr(context, "_context", None)
        if stack is not None:
            stack.clear()
    DagContext.autoregistered_dags.clear()
    DagContext.current_autoregister_module_name = None


def runs_periodically(dag: Any) -> bool:
    """True when `dag`'s schedule makes runs at regular times (cron, a preset such as
    `@daily`, a time delta); False for no schedule, `@once`, `@continuous` and assets alone.
    True when it cannot tell (a custom timetable Airflow cannot translate)."""
    from airflow.serialization.encoders import coerce_to_core_timetable

    kind = type(dag.timetable)
    if kind in _PERIODIC_BY_KIND:
        return _PERIODIC_BY_KIND[kind]
    try:
        core = coerce_to_core_timetable(dag.timetable)
    except Exception:
        return True
    periodic = bool(getattr(core, "periodic", True))
    if "periodic" not in vars(core):  # a class attribute: the same for every timetable of a kind
        _PERIODIC_BY_KIND[kind] = periodic
    return periodic


# What `runs_periodically` found for each kind of timetable whose answer never varies (translating
# a timetable parses its cron expression: a check asks for hundreds of DAGs).
_PERIODIC_BY_KIND: dict[type, bool] = {}
