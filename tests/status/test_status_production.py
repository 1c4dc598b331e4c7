"""`dagyard status` against another Airflow addressed by URL and token, as in production: an API
server, a DAG processor and two schedulers on PostgreSQL, each a real `airflow` process."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest
from status_env import BROKEN_DAG

from alerts_env import FAILING_DAG  # isort: skip (on the path once status_env is imported)
from harness.cluster import Cluster, running_cluster
from support import DAGYARD, SMALL_DAG, copy_example_repo, free_port

pytestmark = pytest.mark.timeout(900)


class Production(NamedTuple):
    cluster: Cluster
    repo: Path
    url: str
    token: str
    db_url: str


def scheduler_jobs(cluster: Cluster) -> list[int]:
    rows = cluster.query(
        "SELECT id FROM job WHERE job_type = 'SchedulerJob' AND state = 'running' ORDER BY id"
    )
    return [job_id for (job_id,) in rows]


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Production]:
    root = tmp_path_factory.mktemp("status-prod")
    repo = copy_example_repo(root / "dag-repo")
    dags = root / "dags"
    (dags / "data_lake").mkdir(parents=True)
    (dags / "data_mart").mkdir()
    (dags / "data_lake" / "lake_ok.py").write_text(
        SMALL_DAG.format(dag_id="lake_ok", owner="lake-analyst@example.com")
    )
    (dags / "data_lake" / "broken.py").write_text(BROKEN_DAG)
    (dags / "data_mart" / "mart_fails.py").write_text(
        FAILING_DAG.replace("always_fails", "mart_fails").replace(
            "analyst@example.com", "mart-lead@example.com"
        )
    )
    port = free_port()
    name = f"dagyard_status_{uuid.uuid4().hex[:10]}"
    cluster = Cluster(
        root,
        dags,
        db_name=name,
        execution_api_port=port,
        parallelism=4,
        heartbeat_timeout=20,
        health_check_threshold=10,
    )
    # The survivors would mark a dead scheduler's job failed after a few seconds; production
    # checks every 5 minutes (Airflow's default), which is the window `dagyard status` sees.
    cluster.env["AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL"] = "300"
    url = f"http://127.0.0.1:{port}"
    with running_cluster(cluster):
        cluster.start("api", "api-server", "--port", str(port), "--apps", "core,execution")
        cluster.wait_for("the API server", lambda: _answers(url), timeout=180)
        cluster.start("dag-processor", "dag-processor")
        for number, scheduler in enumerate(("scheduler-a", "scheduler-b"), start=1):
            cluster.start(scheduler, "scheduler", "--skip-serve-logs")
            cluster.wait_for(
                f"{scheduler} to register",
                lambda n=number: len(scheduler_jobs(cluster)) >= n,
                timeout=180,
            )
        token = httpx.get(f"{url}/auth/token", timeout=30).json()["access_token"]
        yield Production(cluster, repo, url, token, f"postgresql://root@127.0.0.1:5432/{name}")


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/v2/monitor/health", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def status(prod: Production, *args: str, token: str | None = None):
    return subprocess.run(
        [DAGYARD, "status", "--project", str(prod.repo), "--airflow-url", prod.url, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "DAGYARD_AIRFLOW_TOKEN": token or prod.token},
        timeout=300,
    )


def wait_for_failed_run(prod: Production) -> None:
    headers = {"Authorization": f"Bearer {prod.token}"}
    with httpx.Client(base_url=prod.url, headers=headers, timeout=30) as api:

        def parsed() -> bool:
            dags = api.get("/api/v2/dags").json()["total_entries"]
            broken = api.get("/api/v2/importErrors").json()["total_entries"]
            return dags == 2 and broken == 1

        prod.cluster.wait_for("the DAG files to be parsed", parsed, timeout=180)
        run = api.post("/api/v2/dags/mart_fails/dagRuns", json={"logical_date": None})
        run.raise_for_status()
        path = f"/api/v2/dags/mart_fails/dagRuns/{run.json()['dag_run_id']}"
        prod.cluster.wait_for(
            "mart_fails to fail",
            lambda: api.get(path).json()["state"] == "failed",
            timeout=240,
        )


def test_production_by_url_and_token_with_every_scheduler_and_postgres(production):
    wait_for_failed_run(production)
    result = status(production, "--db", production.db_url, "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 0, report["problems"]

    components = {c["name"]: c["status"] for c in report["components"]}
    assert components == {
        "metadatabase": "healthy",
        "scheduler": "healthy",
        "dag_processor": "healthy",
        "triggerer": "never started",  # not a problem: nothing defers here
    }
    schedulers = [j for j in report["jobs"] if j["component"] == "scheduler"]
    assert sorted(j["id"] for j in schedulers) == scheduler_jobs(production.cluster)
    assert len(schedulers) == 2 and all(j["alive"] and not j["leftover"] for j in schedulers)

    assert report["dags"]["active"] == 2 and report["dags"]["files_with_import_errors"] == 1
    [broken] = report["import_errors"]
    assert (broken["team"], broken["file"]) == ("lake", "data_lake/broken.py")
    assert broken["owner"] == "lake-lead@example.com, lake-analyst@example.com"
    mart = [g for g in report["failures"] if g["team"] == "mart"]
    assert mart == [
        {"team": "mart", "owner": "mart-lead@example.com", "failures": 1, "dags": {"mart_fails": 1}}
    ]

    database = report["database"]
    assert database["where"] == production.db_url
    size = production.cluster.query("SELECT pg_database_size(current_database())")[0][0]
    assert database["size_bytes"] == pytest.approx(size, rel=0.2)
    tables = {t["table"]: t for t in database["tables"]}
    rows = production.cluster.query("SELECT count(*) FROM task_instance")[0][0]
    assert tables["task_instance"]["rows"] == rows

    # without --db, the database of another Airflow is not read, and the screen says why
    text = status(production)
    assert text.returncode == 0, text.stdout + text.stderr
    assert "not read: the REST API does not expose it; pass --db URL" in text.stdout
    assert "data_lake/broken.py" in text.stdout and "mart-lead@example.com" in text.stdout


def test_a_refused_token_is_reported_and_exits_1(production):
    result = status(production, "--json", "--no-db", token="not-a-token")
    assert result.returncode == 1
    [problem] = json.loads(result.stdout)["problems"]
    assert "refused the token (HTTP 40" in problem
    assert "give dagyard status a valid service-account token" in problem


def test_a_killed_scheduler_is_found_although_health_says_healthy(production):
    cluster = production.cluster
    victim = scheduler_jobs(cluster)[-1]
    cluster.kill("scheduler-b")
    deadline = time.monotonic() + 120
    while True:
        result = status(production, "--json", "--no-db")
        report = json.loads(result.stdout)
        if result.returncode == 1:
            break
        assert time.monotonic() < deadline, "the killed scheduler was never noticed"
        time.sleep(2)

    # Airflow's health endpoint looks at the newest scheduler only: the survivor
    assert {c["name"]: c["status"] for c in report["components"]}["scheduler"] == "healthy"
    dead = [j for j in report["jobs"] if j["id"] == victim]
    assert dead and dead[0]["alive"] is False
    [problem] = report["problems"]
    assert problem.startswith(f"The scheduler job {victim} on ")
    assert "sent no heartbeat" in problem
    text = status(production, "--no-db").stdout
    assert "1 problem(s):" in text and f"The scheduler job {victim}" in text
