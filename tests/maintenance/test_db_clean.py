"""`dagyard db clean` on SQLite and PostgreSQL with 210 000 seeded task instances.

Old rows go, newer rows and the latest run of every DAG stay, no archive table is left, and
the scheduler still runs a DAG on the cleaned database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg2
import pytest
import sqlalchemy as sa

import support

HERE = Path(__file__).resolve().parent
SEED = HERE.parent / "alerts" / "seed_airflow_db.py"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"


_root = support

PREPARE = """
import os, sys
from pathlib import Path
url = sys.argv[1]
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = url.replace(
    "postgresql://", "postgresql+psycopg2://"
)
from dagyard.dev import database
if url.startswith("sqlite"):
    database.prepare_sqlite(Path(url.removeprefix("sqlite:///")), reset=False)
else:
    database.prepare_postgres(url, reset=False)
"""


def _python(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    result = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


class Seeded:
    """A project whose metadata DB holds 210 000 task instances over 30 days."""

    def __init__(self, repo: Path, url: str, cli_db: list[str], dev_db: list[str]):
        self.repo, self.url, self.cli_db, self.dev_db = repo, url, cli_db, dev_db
        self.now = datetime.now(UTC)
        self.cutoff = self.now - timedelta(days=14)

    @property
    def sa_url(self) -> str:
        return self.url.replace("postgresql://", "postgresql+psycopg2://")

    def seed(self, **spec: object) -> dict:
        out = _python(str(SEED), json.dumps({"db": self.sa_url, "fast": True, **spec}))
        return json.loads(out.strip().splitlines()[-1])

    def scalar(self, sql: str, **params: object):
        engine = sa.create_engine(self.sa_url)
        with engine.connect() as conn:
            value = conn.execute(sa.text(sql), params).scalar_one()
        engine.dispose()
        return value

    def tables(self) -> list[str]:
        engine = sa.create_engine(self.sa_url)
        names = sa.inspect(engine).get_table_names()
        engine.dispose()
        return names

    def clean(self, *args: str, stdin: int | None = subprocess.DEVNULL):
        return subprocess.run(
            [_root.DAGYARD, "db", "clean", "--project", str(self.repo), *self.cli_db, *args],
            capture_output=True,
            text=True,
            stdin=stdin,
            env={**os.environ, "COLUMNS": "200"},
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Seeded]:
    repo = _root.copy_example_repo(tmp_path / "dag-repo")
    with (repo / "dagyard.toml").open("a") as toml:
        toml.write("\n[cleanup]\nretention_days = 14\nbatch_size = 5000\n")
    name = None
    if request.param == "sqlite":
        db_file = repo / ".dagyard" / "db" / "airflow.db"
        db_file.parent.mkdir(parents=True)
        project = Seeded(repo, f"sqlite:///{db_file}", [], [])
    else:
        name = f"dagyard_clean_{uuid.uuid4().hex[:10]}"
        url = f"{PG_SERVER}/{name}"
        project = Seeded(repo, url, ["--db", url], ["--db", url])
    _python("-c", PREPARE, project.url)
    history = project.seed(
        dags=700,
        runs_per_dag=30,
        tasks_per_run=10,
        step_hours=24,
        run_state="success",
        ti_state="success",
        prefix="hist",
        folders=["data_lake"],
    )
    assert history["task_instances"] == 210_000
    # DAGs whose last run (a manual one) is older than the retention: it must be kept.
    project.seed(
        dags=5,
        runs_per_dag=3,
        tasks_per_run=10,
        step_hours=24,
        newest=(project.now - timedelta(days=40)).isoformat(),
        run_state="success",
        ti_state="success",
        prefix="retired",
        run_prefix="manual",
        run_type="manual",
    )
    yield project
    if name:
        admin = psycopg2.connect(f"{PG_SERVER}/postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.mark.timeout(900)
def test_db_clean_removes_old_rows_keeps_latest_runs_and_airflow_still_runs(seeded: Seeded):
    total_before = seeded.scalar("SELECT count(*) FROM task_instance")

    unconfirmed = seeded.clean()
    assert unconfirmed.returncode == 2
    assert "Dry run: rows older than the retention" in unconfirmed.stdout
    assert "nobody to confirm" in unconfirmed.stderr and "--yes" in unconfirmed.stderr
    assert seeded.scalar("SELECT count(*) FROM task_instance") == total_before

    result = seeded.clean("--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "task_instance" in result.stdout and "Removed" in result.stdout
    assert "no archive tables left" in result.stdout

    old_ti = "SELECT count(*) FROM task_instance WHERE dag_id LIKE 'hist%' AND start_date < :c"
    assert seeded.scalar(old_ti, c=seeded.cutoff) == 0
    # runs 0..13 days old are newer than the cut-off: all 700 x 14 x 10 stay
    new_ti = "SELECT count(*) FROM task_instance WHERE dag_id LIKE 'hist%'"
    assert seeded.scalar(new_ti) == 700 * 14 * 10
    assert seeded.scalar("SELECT count(*) FROM dag_run WHERE dag_id LIKE 'hist%'") == 700 * 14
    # the retired DAGs keep exactly their latest (manual, 40 days old) run and its tasks
    assert seeded.scalar("SELECT count(*) FROM dag_run WHERE dag_id LIKE 'retired%'") == 5
    assert seeded.scalar("SELECT count(*) FROM task_instance WHERE dag_id LIKE 'retired%'") == 50
    latest = seeded.scalar(
        "SELECT count(*) FROM dag_run d WHERE dag_id LIKE 'retired%' AND run_after = "
        "(SELECT max(run_after) FROM dag_run k WHERE k.dag_id = d.dag_id)"
    )
    assert latest == 5
    assert not [t for t in seeded.tables() if t.startswith("_airflow_deleted__")]

    status = subprocess.run(
        [_root.DAGYARD, "db", "status", "--project", str(seeded.repo), *seeded.cli_db],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert status.returncode == 0, status.stderr
    assert "98,050" in status.stdout and "Size:" in status.stdout

    again = seeded.clean("--dry-run")
    assert again.returncode == 0 and "total" in again.stdout
    assert "Dry run: nothing was removed" in again.stdout

    _scheduler_runs_a_dag(seeded)


def _scheduler_runs_a_dag(seeded: Seeded) -> None:
    dev = _root.start_dev(seeded.repo, *seeded.dev_db)
    try:
        token = dev.token()
        with httpx.Client(
            base_url=dev.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as http:
            http.patch("/api/v2/dags/hello_taskflow", json={"is_paused": False}).raise_for_status()
            run = http.post("/api/v2/dags/hello_taskflow/dagRuns", json={"logical_date": None})
            run.raise_for_status()
            run_id = run.json()["dag_run_id"]
            deadline = time.monotonic() + 180
            while True:
                state = http.get(f"/api/v2/dags/hello_taskflow/dagRuns/{run_id}").json()["state"]
                if state in ("success", "failed"):
                    break
                assert time.monotonic() < deadline, f"run still {state}"
                time.sleep(0.5)
            assert state == "success"
    finally:
        dev.stop()
