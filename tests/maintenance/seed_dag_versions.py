"""Seed a metadata DB whose DAGs changed over time: several serialized versions per DAG, and
runs and task instances pointing at the version they ran with.

Run as a script in its own process (it imports Airflow and points it at the DB):
    python seed_dag_versions.py '{"db": "...", "dags_folder": ".../dags", "dags": 20}'

Each DAG gets four versions, written by Airflow's own serializer and then dated 35, 21, 12.5
and 3 days ago; one daily run per day for the last 35 days, each run (and its task instances)
on the version current that day. The last run of each version was cleared and re-run on the
next version, so its task instances point at the new version while the run
(`created_dag_version_id`) and the earlier try (`task_instance_history`) point at the old one.
Each run also has an audit-log row. `hello_taskflow` (the example repository's real file, the
last version as written) is one of them. One DAG, `retired_versions`, was last parsed 40 days
ago and last ran 30 days ago. Prints a JSON summary: the version ids by DAG, oldest first.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

VERSION_DAYS = (35.0, 21.0, 12.5, 3.0)
RETIRED_VERSION_DAYS = (45.0, 38.0)
RETIRED_RUN_DAYS = range(44, 29, -1)
DEV_BUNDLE = "_development"


def main(spec: dict) -> dict:
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = spec["db"]
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="seed-home-"))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__DATABASE__CHECK_MIGRATIONS"] = "False"
    dags_folder = Path(spec["dags_folder"])
    sys.path.insert(0, str(dags_folder))
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db
    from airflow.models.dag import DagModel
    from airflow.models.dag_version import DagVersion
    from airflow.models.dagbundle import DagBundleModel
    from airflow.models.dagcode import DagCode
    from airflow.models.serialized_dag import SerializedDagModel
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG
    from airflow.utils.session import create_session
    from sqlalchemy import select, update

    now = datetime.now(UTC)
    generated = Path(tempfile.mkdtemp(prefix="seed-versions-"))
    with create_session() as session:
        for name in (DEV_BUNDLE, "versioned", "retired"):
            if session.scalar(select(DagBundleModel).where(DagBundleModel.name == name)) is None:
                session.add(DagBundleModel(name=name))

    hello = DagBag(
        dag_folder=dags_folder / DEV_BUNDLE / "hello_taskflow.py",
        bundle_path=dags_folder / DEV_BUNDLE,
        bundle_name=DEV_BUNDLE,
    )
    assert not hello.import_errors, hello.import_errors
    written_doc = hello.dags["hello_taskflow"].doc_md
    synthetic = DagBag(dag_folder=generated, bundle_path=generated, bundle_name="versioned")
    for number in range(spec.get("dags", 20)):
        dag = DAG(f"versioned_{number:03d}", schedule="@daily", start_date=now - timedelta(60))
        dag.fileloc = _source(generated, dag.dag_id)
        EmptyOperator(task_id="extract", dag=dag) >> EmptyOperator(task_id="load", dag=dag)
        synthetic.bag_dag(dag)
    retired = DagBag(dag_folder=generated, bundle_path=generated, bundle_name="retired")
    old_dag = DAG("retired_versions", schedule="@daily", start_date=now - timedelta(90))
    old_dag.fileloc = _source(generated, old_dag.dag_id)
    EmptyOperator(task_id="extract", dag=old_dag)
    retired.bag_dag(old_dag)

    versions: dict[str, list[str]] = {}

    def write_version(bag, bundle: str, when: datetime, change) -> None:
        for dag in bag.dags.values():
            change(dag)
        written_at = datetime.now(UTC) - timedelta(seconds=1)
        with create_session() as session:
            sync_bag_to_db(bag, bundle, None, session=session)
        with create_session() as session:
            rows = session.execute(
                select(DagVersion.dag_id, DagVersion.id).where(DagVersion.created_at >= written_at)
            ).all()
            for model in (DagVersion, SerializedDagModel, DagCode):
                table = model.__table__
                session.execute(
                    update(table)
                    .where(table.c.created_at >= written_at)
                    .values(created_at=when, last_updated=when)
                )
        for dag_id, version_id in rows:
            versions.setdefault(dag_id, []).append(str(version_id))

    counts = {"dag_runs": 0, "task_instances": 0, "task_instance_history": 0, "log": 0}

    def change_hello(dag, index):
        last = index == len(VERSION_DAYS) - 1
        dag.doc_md = written_doc if last else f"{written_doc}\n\nversion {index + 1}"

    def change_synthetic(dag, index):
        if index:
            EmptyOperator(task_id=f"added_in_version_{index + 1}", dag=dag)

    def change_retired(dag, index):
        dag.description = f"version {index + 1}"

    groups = [
        (hello, DEV_BUNDLE, change_hello, VERSION_DAYS, range(34, -1, -1)),
        (synthetic, "versioned", change_synthetic, VERSION_DAYS, range(34, -1, -1)),
        (retired, "retired", change_retired, RETIRED_VERSION_DAYS, RETIRED_RUN_DAYS),
    ]
    for bag, bundle, change, days, run_days in groups:
        last_runs: dict[str, str] = {}
        for index, day in enumerate(days):
            write_version(
                bag, bundle, now - timedelta(days=day), lambda d, i=index, c=change: c(d, i)
            )
            with create_session() as session:
                for dag_id in bag.dags:
                    version = versions[dag_id][index]
                    if index:  # the last run of the previous version, re-run on this one
                        rerun_at = now - timedelta(days=day) + timedelta(hours=1)
                        _rerun(session, counts, dag_id, last_runs[dag_id], version, rerun_at)
                    tasks = list(bag.dags[dag_id].task_ids)
                    for run_day in run_days:
                        if max(i for i, d in enumerate(days) if d > run_day) == index:
                            start = now - timedelta(days=run_day)
                            last_runs[dag_id] = _add_run(
                                session, counts, dag_id, start, version, tasks
                            )
    with create_session() as session:
        session.execute(
            update(DagModel.__table__)
            .where(DagModel.__table__.c.dag_id == "retired_versions")
            .values(last_parsed_time=now - timedelta(days=40), is_stale=True)
        )
    return {"versions": versions, **counts}


def _source(folder: Path, dag_id: str) -> str:
    """A DAG file for `dag_id` (Airflow stores each version's source code with it)."""
    path = folder / f"{dag_id}.py"
    path.write_text(f'"""The {dag_id} DAG (generated by the seed)."""\n', encoding="utf-8")
    return str(path)


def _add_run(session, counts, dag_id, start, version, tasks) -> str:
    """One successful daily run started at `start` on `version`; returns its run id."""
    from airflow.models.dagrun import DagRun
    from airflow.models.log import Log
    from airflow.models.taskinstance import TaskInstance

    run_id = f"scheduled__{start.isoformat()}"
    session.execute(
        DagRun.__table__.insert(),
        {
            "dag_id": dag_id,
            "run_id": run_id,
            "run_type": "scheduled",
            "state": "success",
            "logical_date": start,
            "run_after": start,
            "start_date": start,
            "end_date": start + timedelta(minutes=5),
            "data_interval_start": start,
            "data_interval_end": start,
            "clear_number": 0,
            "created_dag_version_id": uuid.UUID(version),
        },
    )
    counts["dag_runs"] += 1
    session.execute(
        Log.__table__.insert(),
        {"dttm": start, "dag_id": dag_id, "run_id": run_id, "event": "running", "owner": "seed"},
    )
    counts["log"] += 1
    for task_id in tasks:
        session.execute(
            TaskInstance.__table__.insert(),
            {
                "id": uuid.uuid4(),
                "dag_id": dag_id,
                "run_id": run_id,
                "task_id": task_id,
                "map_index": -1,
                "start_date": start,
                "end_date": start + timedelta(minutes=1),
                "duration": 60.0,
                "state": "success",
                "try_number": 1,
                "max_tries": 1,
                "pool": "default_pool",
                "pool_slots": 1,
                "queue": "default",
                "priority_weight": 1,
                "operator": "EmptyOperator",
                "hostname": "127.0.0.1",
                "unixname": "seed",
                "dag_version_id": uuid.UUID(version),
            },
        )
        counts["task_instances"] += 1
    return run_id


def _rerun(session, counts, dag_id, run_id, version, when) -> None:
    """Clear a run's tasks and run them again on `version` at `when`, as Airflow records it:
    the first try moves to task_instance_history, the task instance points at the new version."""
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.taskinstancehistory import TaskInstanceHistory
    from sqlalchemy import select, update

    ti = TaskInstance.__table__
    tih = TaskInstanceHistory.__table__
    rows = session.execute(select(ti).where(ti.c.dag_id == dag_id, ti.c.run_id == run_id))
    for row in rows.mappings().all():
        earlier = {key: value for key, value in row.items() if key in tih.c and key != "id"}
        earlier.update(task_instance_id=row["id"], state="failed")
        session.execute(tih.insert(), earlier)
        counts["task_instance_history"] += 1
    session.execute(
        update(ti)
        .where(ti.c.dag_id == dag_id, ti.c.run_id == run_id)
        .values(
            dag_version_id=uuid.UUID(version),
            try_number=2,
            start_date=when,
            end_date=when + timedelta(minutes=1),
        )
    )
    run = DagRun.__table__
    session.execute(
        update(run).where(run.c.dag_id == dag_id, run.c.run_id == run_id).values(clear_number=1)
    )


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
