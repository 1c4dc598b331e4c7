"""Bulk-seed an Airflow 3 metadata DB with DAGs, runs and task instances (ORM bulk inserts).

Run as a script in its own process (it imports Airflow and points it at the DB):
    python seed_airflow_db.py '{"db": "sqlite:////x/airflow.db", ...}'
Used for the cases that are too big to produce by running tasks (10 000 failures, 200 000
task instances). Prints a JSON summary.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta


def main(spec: dict) -> dict:
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = spec["db"]
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="seed-home-"))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__DATABASE__CHECK_MIGRATIONS"] = "False"
    from airflow.models.dag import DagModel
    from airflow.models.dagbundle import DagBundleModel
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    bundle = spec.get("bundle", "dags")
    dags_path = spec.get("dags_path", "/nonexistent/dags")
    folders = spec.get("folders", ["data_lake"])
    owners = spec.get("owners", ["airflow"])
    n_dags = spec.get("dags", 1)
    runs = spec.get("runs_per_dag", 1)
    tasks = spec.get("tasks_per_run", 1)
    newest = datetime.fromisoformat(spec["newest"]) if spec.get("newest") else None
    newest = newest or datetime.now(UTC)
    step = timedelta(hours=spec.get("step_hours", 1))
    prefix = spec.get("prefix", "seeded")
    run_state = spec.get("run_state", "failed")
    ti_state = spec.get("ti_state", "failed")
    try_number = spec.get("try_number", 1)
    run_prefix = spec.get("run_prefix", "scheduled")
    batch: list[dict] = []
    counts = {"dags": 0, "dag_runs": 0, "task_instances": 0}
    with create_session() as session:
        if session.scalar(select(DagBundleModel).where(DagBundleModel.name == bundle)) is None:
            session.add(DagBundleModel(name=bundle))
            session.flush()
        existing = set(session.scalars(select(DagModel.dag_id)))
        dag_rows = []
        for d in range(n_dags):
            dag_id = f"{prefix}_{d:04d}"
            if dag_id in existing:
                continue
            folder = folders[d % len(folders)]
            dag_rows.append(
                {
                    "dag_id": dag_id,
                    "fileloc": f"{dags_path}/{folder}/{dag_id}.py",
                    "relative_fileloc": f"{folder}/{dag_id}.py",
                    "bundle_name": bundle,
                    "owners": owners[d % len(owners)],
                    "is_paused": True,
                    "is_stale": False,
                    "last_parsed_time": datetime.now(UTC),
                    "max_active_tasks": 16,
                    "max_consecutive_failed_dag_runs": 0,
                    "has_task_concurrency_limits": False,
                    "timetable_type": "airflow.timetables.simple.NullTimetable",
                }
            )
        if dag_rows:
            session.execute(DagModel.__table__.insert(), dag_rows)
        counts["dags"] = len(dag_rows)
        run_rows = []
        for d in range(n_dags):
            dag_id = f"{prefix}_{d:04d}"
            for r in range(runs):
                end = newest - step * r
                start = end - timedelta(minutes=5)
                run_rows.append(
                    {
                        "dag_id": dag_id,
                        "run_id": f"{run_prefix}__{start.isoformat()}",
                        "run_type": spec.get("run_type", "scheduled"),
                        "state": run_state,
                        "logical_date": start,
                        "run_after": start,
                        "start_date": start,
                        "end_date": end,
                        "data_interval_start": start,
                        "data_interval_end": start,
                        "clear_number": 0,
                    }
                )
                for t in range(0 if spec.get("fast") else tasks):
                    batch.append(
                        {
                            "id": uuid.uuid4(),
                            "dag_id": dag_id,
                            "run_id": f"{run_prefix}__{start.isoformat()}",
                            "task_id": f"task_{t:02d}",
                            "map_index": -1,
                            "start_date": start,
                            "end_date": end - timedelta(seconds=t),
                            "duration": 300.0 - t,
                            "state": ti_state,
                            "try_number": try_number,
                            "max_tries": try_number - 1,
                            "pool": "default_pool",
                            "pool_slots": 1,
                            "queue": "default",
                            "priority_weight": 1,
                            "operator": "PythonOperator",
                            "hostname": "127.0.0.1",
                            "unixname": "seed",
                        }
                    )
        for i in range(0, len(run_rows), 5000):
            session.execute(DagRun.__table__.insert(), run_rows[i : i + 5000])
        counts["dag_runs"] = len(run_rows)
        session.flush()
        for i in range(0, len(batch), 5000):
            session.execute(TaskInstance.__table__.insert(), batch[i : i + 5000])
        counts["task_instances"] = len(batch)
        if spec.get("fast"):
            counts["task_instances"] = _insert_select(session, spec, tasks, ti_state, try_number)
    return counts


def _insert_select(session, spec: dict, tasks: int, state: str, try_number: int) -> int:
    """Task instances for the seeded runs, made by the database itself (INSERT ... SELECT)."""
    from sqlalchemy import text

    dialect = session.get_bind().dialect.name
    new_id = "gen_random_uuid()" if dialect == "postgresql" else "lower(hex(randomblob(16)))"
    prefix = spec.get("prefix", "seeded") + "_"
    run_prefix = spec.get("run_prefix", "scheduled") + "__"
    total = 0
    for t in range(tasks):
        total += session.execute(
            text(
                "INSERT INTO task_instance (id, task_id, dag_id, run_id, map_index, start_date,"
                " end_date, duration, state, try_number, max_tries, pool, pool_slots, queue,"
                " priority_weight, operator, hostname, unixname)"
                f" SELECT {new_id}, :task_id, dr.dag_id, dr.run_id, -1, dr.start_date,"
                " dr.end_date, 300.0, :state, :try_number, :max_tries, 'default_pool', 1,"
                " 'default', 1, 'PythonOperator', '127.0.0.1', 'seed' FROM dag_run dr"
                " WHERE substr(dr.dag_id, 1, :plen) = :prefix"
                " AND substr(dr.run_id, 1, :rlen) = :run_prefix"
            ),
            {
                "task_id": f"task_{t:02d}",
                "state": state,
                "try_number": try_number,
                "max_tries": try_number - 1,
                "plen": len(prefix),
                "prefix": prefix,
                "rlen": len(run_prefix),
                "run_prefix": run_prefix,
            },
        ).rowcount
    return total


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
