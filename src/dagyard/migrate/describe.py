"""Describe the DAGs of some files as JSON, under Airflow 2 or Airflow 3.

Run as a script by `dagyard migrate --verify` with each environment's own Python: it imports
nothing of dagyard, only the standard library and the Airflow of that environment.

    python describe.py FILE [FILE ...]   ->   {"FILE": {"error": str | null, "dags": {...}}}
"""

from __future__ import annotations

import json
import re
import sys
import warnings


def _dagbag_class():
    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow 3
    except ImportError:
        from airflow.models.dagbag import DagBag  # Airflow 2
    return DagBag


RENAMED = {"Dataset": "Asset", "DatasetAll": "AssetAll", "DatasetAny": "AssetAny"}
_URI = re.compile(r"uri='([^']*)'")


def _text(value) -> str:
    """Plain values as JSON; objects by their class name (their repr differs between versions)."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, sort_keys=True, default=lambda o: f"<{type(o).__name__}>")
    except (TypeError, ValueError):
        return f"<{type(value).__name__}>"


def _schedule(dag) -> str:
    """The schedule as the author wrote it: an expression, or the assets and timetable it uses."""
    if hasattr(dag, "schedule_interval"):  # Airflow 2
        raw = dag.schedule_interval
        dataset_driven = "Dataset" in type(dag.timetable).__name__
        if dataset_driven or type(raw).__name__ not in ("str", "NoneType", "timedelta"):
            raw = dag.timetable
    else:
        raw = getattr(dag, "schedule", None)
    if type(raw).__name__ in ("str", "NoneType", "timedelta"):
        return str(raw)
    condition = getattr(raw, "dataset_condition", None) or getattr(raw, "asset_condition", None)
    uris = sorted(set(_URI.findall(repr(condition if condition is not None else raw))))
    cron = getattr(getattr(raw, "timetable", None), "_expression", None)
    if uris:
        return "assets " + ", ".join(uris) + (f" or {cron}" if cron else "")
    name = type(raw).__name__
    return RENAMED.get(name, name)


def _task(task) -> dict:
    fields = {}
    for name in getattr(task, "template_fields", ()):
        value = getattr(task, name, None)
        if value is not None and not callable(value):
            fields[name] = _text(value)
    return {
        "operator": type(task).__name__,
        "upstream": sorted(task.upstream_task_ids),
        "retries": task.retries,
        "owner": task.owner,
        "template_fields": fields,
    }


def _dag(dag) -> dict:
    start = dag.start_date or (dag.default_args or {}).get("start_date")
    return {
        "schedule": _schedule(dag),
        "timetable": type(getattr(dag, "timetable", None)).__name__,
        "start_date": start.isoformat() if start is not None else None,
        "owner": ", ".join(sorted(part.strip() for part in str(dag.owner).split(","))),
        "tasks": {task.task_id: _task(task) for task in dag.tasks},
    }


def describe(paths: list[str]) -> dict:
    """{path: {"error": the import error or None, "dags": {dag_id: structure}}}."""
    dagbag_class = _dagbag_class()
    described = {}
    for path in paths:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                bag = dagbag_class(dag_folder=path)
            except Exception as error:  # a file that breaks DagBag itself
                described[path] = {"error": f"{type(error).__name__}: {error}", "dags": {}}
                continue
        errors = list(bag.import_errors.values())
        described[path] = {
            "error": errors[0].strip().splitlines()[-1] if errors else None,
            "dags": {dag_id: _dag(dag) for dag_id, dag in sorted(bag.dags.items())},
        }
    return described


if __name__ == "__main__":
    result = describe(sys.argv[1:])
    sys.stdout.write("\n@@dagyard-describe@@\n" + json.dumps(result))
