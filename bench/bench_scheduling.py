"""Scheduling throughput on PostgreSQL: one scheduler vs two, 700 DAGs, production parse settings.

All 700 DAG files are parsed by one DAG processor with the production settings
(`airflow_env.PROD_PARSE_SETTINGS`: 2 parsing processes, every file re-parsed every 30 s), so the
schedulers compete with parsing for the 2 cores as they would in production. Each DAG is a
chain of three EmptyOperator tasks with `@once`: the scheduler itself decides and finishes them,
so the figures are the scheduler's (creating runs, resolving dependencies, state changes), not the
cost of starting task processes. Scaled to fit a few minutes on 2 cores: the first 350 DAGs are
unpaused for the one-scheduler round, the other 350 for the two-scheduler round (1050 task
instances each). Delay of a task = its start minus the moment it became ready (its run started,
or its upstream task ended).
"""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg2

from dagyard import airflow_env

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from harness.cluster import Cluster, running_cluster

DAGS = 700
TASKS = 3
DAG_SOURCE = """
import datetime
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

with DAG(
    dag_id="{dag_id}",
    schedule="@once",
    start_date=datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    tags=["bench"],
):
    first = EmptyOperator(task_id="t0")
    for n in range(1, {tasks}):
        nxt = EmptyOperator(task_id=f"t{{n}}")
        first >> nxt
        first = nxt
"""


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _write_dags(folder: Path) -> list[str]:
    ids = [f"bench_{n:03d}" for n in range(DAGS)]
    for dag_id in ids:
        (folder / f"{dag_id}.py").write_text(DAG_SOURCE.format(dag_id=dag_id, tasks=TASKS))
    return ids


def _round(cluster: Cluster, dag_ids: list[str], schedulers: int) -> dict[str, float]:
    names = [f"scheduler-{schedulers}-{n}" for n in range(schedulers)]
    (before,) = cluster.query("SELECT coalesce(max(id), 0) FROM job")[0]
    for name in names:
        cluster.start(name, "scheduler", "--skip-serve-logs")
    cluster.wait_for(
        "schedulers to register",
        lambda: (
            len(
                cluster.query(
                    "SELECT id FROM job WHERE job_type = 'SchedulerJob' AND state = 'running' "
                    "AND id > %s",
                    before,
                )
            )
            == schedulers
        ),
        timeout=180,
    )
    started = time.time()
    connection = psycopg2.connect(cluster.dsn)
    with connection, connection.cursor() as cursor:
        cursor.execute("UPDATE dag SET is_paused = false WHERE dag_id = ANY(%s)", (dag_ids,))
    connection.close()
    expected = len(dag_ids) * TASKS
    cluster.wait_for(
        f"{expected} task instances to succeed",
        lambda: (
            cluster.query(
                "SELECT count(*) FROM task_instance WHERE state = 'success' AND dag_id = ANY(%s)",
                dag_ids,
            )[0][0]
            >= expected
        ),
        timeout=900,
        every=1,
    )
    rows = cluster.query(
        "SELECT ti.dag_id, ti.run_id, ti.task_id, ti.start_date, ti.end_date, dr.start_date "
        "FROM task_instance ti JOIN dag_run dr ON dr.dag_id = ti.dag_id AND dr.run_id = ti.run_id "
        "WHERE ti.dag_id = ANY(%s)",
        dag_ids,
    )
    for name in names:
        cluster.kill(name)
    ends = {(r[0], r[1], r[2]): r[4] for r in rows}
    delays = []
    for dag_id, run_id, task_id, start, _end, run_start in rows:
        n = int(task_id[1:])
        ready = run_start if n == 0 else ends[(dag_id, run_id, f"t{n - 1}")]
        delays.append((start - ready).total_seconds())
    finished = max(r[4] for r in rows).timestamp()
    return {
        "tis": len(rows),
        "seconds": finished - started,
        "per_second": len(rows) / (finished - started),
        "p50": _percentile(delays, 0.5),
        "p95": _percentile(delays, 0.95),
    }


def main() -> None:
    """Parse 700 DAGs once, then time one scheduler, then two, and print a Markdown section."""
    root = Path(tempfile.mkdtemp(prefix="dagyard-bench-sched-"))
    dags = root / "dags"
    dags.mkdir()
    ids = _write_dags(dags)
    cluster = Cluster(
        root,
        dags,
        db_name=f"dagyard_bench_{uuid.uuid4().hex[:10]}",
        execution_api_port=_port(),
        parallelism=4,
    )
    cluster.env.update(
        {
            f"AIRFLOW__DAG_PROCESSOR__{key.upper()}": value
            for key, value in airflow_env.PROD_PARSE_SETTINGS.items()
        }
    )
    cluster.env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "True"
    results = {}
    try:
        with running_cluster(cluster):
            parse_started = time.time()
            cluster.start("dag-processor", "dag-processor")
            cluster.wait_for(
                f"{DAGS} DAGs to be parsed",
                lambda: cluster.query("SELECT count(*) FROM serialized_dag")[0][0] >= DAGS,
                timeout=600,
                every=1,
            )
            parse_seconds = time.time() - parse_started
            half = DAGS // 2
            results[1] = _round(cluster, ids[:half], 1)
            results[2] = _round(cluster, ids[half:], 2)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("\n### Scheduling throughput: one vs two schedulers (PostgreSQL)\n")
    print(
        f"{DAGS} DAGs (chains of {TASKS} EmptyOperator tasks, `@once`), first parse by one DAG "
        f"processor in {parse_seconds:.0f} s; production parse settings "
        f"({', '.join(f'{k}={v}' for k, v in airflow_env.PROD_PARSE_SETTINGS.items())}). "
        f"Each round unpauses {half} DAGs ({half * TASKS} task instances).\n"
    )
    print("| schedulers | task instances | wall (s) | TIs/s | p50 delay (s) | p95 delay (s) |")
    print("|---|---|---|---|---|---|")
    for count, r in results.items():
        print(
            f"| {count} | {r['tis']} | {r['seconds']:.1f} | {r['per_second']:.1f} "
            f"| {r['p50']:.2f} | {r['p95']:.2f} |"
        )
    print("\nOne run per round (each takes minutes); TIs/s = task instances finished per second.")
