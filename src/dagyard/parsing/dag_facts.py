"""What a child reads from a DAG file: the DAGs and tasks Airflow built from it, and their ties.

`load_in_this_process` imports the file with Airflow's own `DagBag` (or dagyard's pipeline
loader for a pipeline file) inside the sandbox, and returns plain JSON-able facts: each DAG's
settings, its tasks, the DAGs and assets it is tied to, the tracebacks of a failed import, the
calls the sandbox refused, the variables and connections read and the slowest top-level lines.
The parent rebuilds the DAGs' facts with `DagSummary.from_json`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import NamedTuple

from dagyard._airflow.dag_objects import explicit_arguments, runs_periodically
from dagyard.parsing import lookups, sandbox
from dagyard.parsing.sampler import LineSampler
from dagyard.pipelines import is_pipeline_file


class TaskFacts(NamedTuple):
    """What the rules need to know about one task, as Airflow built it."""

    task_id: str
    operator: str
    bases: tuple[str, ...] = ()
    owner: str = ""
    retries: int | None = None
    explicit: tuple[str, ...] = ()
    in_cluster: bool | None = None
    config_file: str | None = None
    cluster_context: str | None = None


class Link(NamedTuple):
    """A tie from a DAG to others.

    `kind` is `triggers`, `waits_on` or `clears` (an ExternalTaskMarker) a DAG, or `consumes`
    or `produces` an asset. `target` is the DAG id or the asset's name (`alias:NAME` for an
    asset alias); `uri` the asset's URI; `task_id` the task making the tie (empty for the
    schedule).
    """

    kind: str
    target: str
    task_id: str = ""
    uri: str = ""


class DagSummary(NamedTuple):
    """What the file defined: one DAG (the first three fields are all `dagyard dev` needs)."""

    dag_id: str
    fileloc: str
    task_count: int
    owner: str = ""
    tags: tuple[str, ...] = ()
    catchup: bool | None = None
    schedule: str | None = None
    start_date: str | None = None
    default_args: tuple[str, ...] = ()
    tasks: tuple[TaskFacts, ...] = ()
    links: tuple[Link, ...] = ()
    periodic: bool = True  # the schedule makes runs at regular times (catch-up applies)

    @classmethod
    def from_json(cls, data: dict) -> DagSummary:
        """Rebuild a summary sent by the child as JSON."""
        tasks = tuple(
            TaskFacts(**{**t, "bases": tuple(t["bases"]), "explicit": tuple(t["explicit"])})
            for t in data.get("tasks", ())
        )
        fields = {
            **data,
            "tags": tuple(data.get("tags", ())),
            "default_args": tuple(data.get("default_args", ())),
            "tasks": tasks,
            "links": tuple(Link(**link) for link in data.get("links", ())),
        }
        return cls(**fields)


def load_in_this_process(path: Path, extra=None) -> dict:  # pragma: no cover - in the child
    """Import one DAG file with Airflow's DagBag in this (child) process; return the raw facts."""
    before = set(sys.modules)
    result: dict = {"dags": [], "errors": [], "exit": None}
    sandbox.enter(str(path))
    lookups.reset()
    started = time.perf_counter()
    with LineSampler(str(path)) as profile:
        try:
            if is_pipeline_file(path):
                result.update(_load_pipeline(path))
            else:
                from airflow.dag_processing.dagbag import DagBag

                bag = DagBag(dag_folder=str(path), collect_dags=False)
                dags = bag.process_file(str(path), only_if_updated=False, safe_mode=False)
                # Airflow's importer can hand the same DAG over twice (the module's `dag` and the
                # `with DAG(...) as dag:` block it registered); its bag keeps one. It collects
                # them in a set: sorting by id gives every caller the same order.
                unique = sorted({id(dag): dag for dag in dags}.values(), key=lambda d: d.dag_id)
                result["dags"] = [_dag_facts(d) for d in unique]
                result["errors"] = list(bag.import_errors.values())
            result["parse_seconds"] = time.perf_counter() - started
        except SystemExit as exit_:
            import traceback

            result["exit"] = exit_.code
            result["exit_trace"] = "".join(traceback.format_tb(exit_.__traceback__))
    result["blocked"] = [list(attempt) for attempt in sandbox.attempts()]
    result["lookups"] = [list(lookup) for lookup in lookups.recorded()]
    result["hot_lines"] = profile.hot_lines()
    result["modules"] = sorted(
        {
            str(getattr(module, "__file__", None))
            for name, module in list(sys.modules.items())
            if name not in before and getattr(module, "__file__", None)
        }
    )
    if extra is not None:
        try:
            result["extra"] = extra(path)
        except Exception:
            result["extra"] = None
    return result


def _load_pipeline(path: Path) -> dict:  # pragma: no cover - runs in the child
    """Load a pipeline file: its DAG's facts, or its problems with line and column."""
    from dagyard.config import project_config
    from dagyard.pipelines.load import load_pipeline

    loaded = load_pipeline(path, project_config())
    if loaded.dag is not None:
        return {"dags": [_dag_facts(loaded.dag)]}
    return {
        "pipeline_problems": [
            [str(p.file), p.line, p.column, p.message, p.hint] for p in loaded.problems
        ]
    }


_TASK_ATTRS = ("in_cluster", "config_file", "cluster_context")
_EXPLICIT = ("retries", "owner", *_TASK_ATTRS)


def _dag_facts(dag) -> dict:  # pragma: no cover - runs in the child
    start_date = getattr(dag, "start_date", None)
    schedule = getattr(dag, "schedule", None)
    return {
        "dag_id": dag.dag_id,
        "fileloc": str(dag.fileloc),
        "task_count": len(dag.tasks),
        "owner": str(getattr(dag, "owner", "") or (dag.default_args or {}).get("owner") or ""),
        "tags": sorted(str(tag) for tag in (dag.tags or ())),
        "catchup": getattr(dag, "catchup", None),
        "schedule": None if schedule is None else str(schedule),
        "periodic": runs_periodically(dag),
        "start_date": start_date.isoformat() if start_date else None,
        "default_args": sorted(str(key) for key in (dag.default_args or {})),
        "tasks": [_task_facts(task) for task in dag.tasks],
        "links": _links(dag),
    }


def _task_facts(task) -> dict:  # pragma: no cover - runs in the child
    init_kwargs = explicit_arguments(task)
    facts = {
        "task_id": task.task_id,
        "operator": type(task).__name__,
        "bases": [cls.__name__ for cls in type(task).__mro__],
        "owner": str(getattr(task, "owner", "") or ""),
        "retries": getattr(task, "retries", None),
        "explicit": [key for key in _EXPLICIT if key in init_kwargs],
    }
    for attr in _TASK_ATTRS:
        value = getattr(task, attr, None)
        facts[attr] = value if isinstance(value, bool | type(None)) else str(value)
    return facts


def _links(dag) -> list[dict]:  # pragma: no cover - runs in the child
    condition = getattr(getattr(dag, "timetable", None), "asset_condition", None)
    links = _asset_links("consumes", condition) if condition is not None else []
    for task in dag.tasks:
        cls = getattr(task, "operator_class", None)
        bases = {base.__name__ for base in (cls if isinstance(cls, type) else type(task)).__mro__}
        ties = [("triggers", "TriggerDagRunOperator", "trigger_dag_id"),
                ("waits_on", "ExternalTaskSensor", "external_dag_id"),
                ("clears", "ExternalTaskMarker", "external_dag_id")]  # fmt: skip
        for kind, base, argument in ties:
            if base in bases:
                for target in _task_targets(task, argument):
                    links.append({"kind": kind, "target": target, "task_id": task.task_id})
        for outlet in getattr(task, "outlets", None) or ():
            links += _asset_links("produces", outlet, task.task_id)
    return links


def _asset_links(kind: str, asset, task_id: str = "") -> list[dict]:  # pragma: no cover - child
    """Flatten an asset expression (`a | b & alias`) into one link per asset it names."""
    inner = getattr(asset, "objects", None)
    if inner is not None:
        return [link for obj in inner for link in _asset_links(kind, obj, task_id)]
    name = str(getattr(asset, "name", "") or "")
    uri = str(getattr(asset, "uri", "") or "")
    if type(asset).__name__ == "AssetAlias":
        name = f"alias:{name}"
    if not name and not uri:
        return []
    return [{"kind": kind, "target": name or uri, "task_id": task_id, "uri": uri}]


def _task_targets(task, name: str) -> list[str]:  # pragma: no cover - runs in the child
    """The DAG ids a task argument names; `{{ run time }}` for one only known when it runs."""
    if type(task).__name__ == "MappedOperator":
        if name in task.partial_kwargs:
            values = [task.partial_kwargs[name]]
        else:
            mapped = getattr(getattr(task, "expand_input", None), "value", {}) or {}
            values = mapped.get(name)
            values = list(values) if isinstance(values, list | tuple) else [None]
    else:
        values = [getattr(task, name, None)]
    return [value if isinstance(value, str) else "{{ run time }}" for value in values]
