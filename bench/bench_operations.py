"""Benchmark the operations jobs on PostgreSQL: one alert cycle over 10 000 failures, and
`dagyard db clean` over 210 000 task instances.

- alert cycle: a real Airflow (`dagyard dev --db postgresql://...`) with 10 500 failed task
  instances seeded over 700 DAGs and 40 owners, the alerter talking to a local Slack Web API
  through slack_sdk: wall time of the cycle and Slack API calls by method (target: one
  `users.lookupByEmail` per distinct owner, one `chat.postMessage` per message part);
- db clean: 700 DAGs x 30 daily runs x 10 tasks, retention 14 days, batches of 5 000: rows
  removed per second and the longest single transaction (target: none over 2 s).

Prints a Markdown section for docs/benchmarks.md (`python -m bench operations`).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests" / "alerts"
PG = "postgresql://postgres@127.0.0.1:5432"


def _load(name: str):
    for folder in (TESTS.parent, TESTS):  # tests/support.py, then tests/alerts/*
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location(name, TESTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def bench_alerts(tmp: Path) -> dict:
    """One cycle over 10 500 failures; returns wall time and Slack calls."""
    env = _load("alerts_env")
    slack_api = _load("slack_web_api")
    from dagyard.alerts.cycle import run_cycle

    server = slack_api.SlackWebApi().start()
    for channel in env.CHANNELS:
        server.workspace.add_channel(channel)
    owners = [f"owner{i:02d}@example.com" for i in range(40)]
    for i, owner in enumerate(owners[:30]):
        server.workspace.add_user(owner, f"U{i:04d}")
    airflow, database = env.start_airflow(tmp, "postgresql")
    try:
        airflow.seed(
            dags=700,
            tasks_per_run=15,
            owners=owners,
            folders=["data_lake", "data_mart", "crawling", "monitoring", "misc"],
            prefix="bench",
        )
        started = time.perf_counter()
        result = run_cycle(airflow.settings(server, tmp / "state.sqlite"))
        seconds = time.perf_counter() - started
        assert result.ok, result.error
        return {
            "failures": result.new_failures,
            "seconds": seconds,
            "calls": result.slack_calls,
            "messages": result.messages,
            "channels": len(result.channels),
        }
    finally:
        airflow.dev.stop()
        server.stop()
        if database:
            env.drop_database(database)


def bench_clean(tmp: Path) -> dict:
    """`dagyard db clean` over 210 000 task instances on PostgreSQL."""
    from dagyard import maintenance

    name = f"dagyard_bench_clean_{uuid.uuid4().hex[:8]}"
    url = f"{PG}/{name}"
    sa_url = url.replace("postgresql://", "postgresql+psycopg2://")
    prepare = (
        "import os,sys;os.environ['AIRFLOW__DATABASE__SQL_ALCHEMY_CONN']=sys.argv[2];"
        "from dagyard.dev import database;database.prepare_postgres(sys.argv[1], reset=False)"
    )
    subprocess.run([sys.executable, "-c", prepare, url, sa_url], check=True)
    spec = {
        "db": sa_url,
        "fast": True,
        "dags": 700,
        "runs_per_dag": 30,
        "tasks_per_run": 10,
        "step_hours": 24,
        "run_state": "success",
        "ti_state": "success",
        "prefix": "hist",
    }
    subprocess.run(
        [sys.executable, str(TESTS / "seed_airflow_db.py"), json.dumps(spec)],
        check=True,
        capture_output=True,
    )
    env = {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sa_url, "AIRFLOW_HOME": str(tmp)}
    cut = maintenance.cutoffs(14, {}, maintenance.now_utc())
    plan = maintenance.plan_from(maintenance.run_worker(env, "plan", {"cutoffs": cut}))
    result = maintenance.result_from(
        maintenance.run_worker(env, "clean", {"cutoffs": cut, "batch_size": 5000})
    )
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f'DROP DATABASE "{name}" WITH (FORCE)'],
        check=True,
        capture_output=True,
    )
    return {
        "planned": sum(p.rows for p in plan),
        "removed": result.removed,
        "seconds": result.seconds,
        "longest": result.longest_transaction,
        "longest_delete": result.longest_delete,
        "archives_left": len(result.archives_left),
    }


def main() -> None:
    """Run both and print the Markdown section."""
    with tempfile.TemporaryDirectory() as folder:
        alerts = bench_alerts(Path(folder) / "alerts")
        clean = bench_clean(Path(folder))
    calls = ", ".join(f"`{k}` {v}" for k, v in sorted(alerts["calls"].items()))
    rate = clean["removed"] / clean["seconds"] if clean["seconds"] else 0
    print(
        "## Operations\n\n"
        f"- Alert cycle over {alerts['failures']:,} failed task instances (700 DAGs, 40 owners, "
        f"PostgreSQL, REST API v2 paging): {alerts['seconds']:.1f} s wall; Slack calls: {calls} "
        f"({alerts['messages']} message part(s) for {alerts['channels']} channels).\n"
        f"- `dagyard db clean` on PostgreSQL, 210,000 task instances, 14-day retention, batches "
        f"of 5,000: {clean['removed']:,} rows removed in {clean['seconds']:.1f} s "
        f"({rate:,.0f} rows/s); longest transaction that deletes rows "
        f"{clean['longest_delete']:.2f} s, longest of any kind {clean['longest']:.2f} s; "
        f"archive tables left: {clean['archives_left']}.\n"
    )


if __name__ == "__main__":
    main()
