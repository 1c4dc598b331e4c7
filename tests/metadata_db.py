"""A project with a migrated metadata DB (SQLite or PostgreSQL) for the `dagyard db` tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg2
import sqlalchemy as sa

import support

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"

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


def python(*args: str) -> str:
    """Run this Python with `args` outside any Airflow settings; return its stdout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    result = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


class Project:
    """A copy of the example repository and its migrated metadata DB."""

    def __init__(self, repo: Path, dialect: str):
        self.repo, self.dialect = repo, dialect
        self.now = datetime.now(UTC)
        self.pg_name = None
        if dialect == "sqlite":
            db_file = repo / ".dagyard" / "db" / "airflow.db"
            db_file.parent.mkdir(parents=True)
            self.url, self.cli_db = f"sqlite:///{db_file}", []
        else:
            self.pg_name = f"dagyard_clean_{uuid.uuid4().hex[:10]}"
            self.url = f"{PG_SERVER}/{self.pg_name}"
            self.cli_db = ["--db", self.url]
        python("-c", PREPARE, self.url)

    @property
    def sa_url(self) -> str:
        """The URL with the driver SQLAlchemy and Airflow use."""
        return self.url.replace("postgresql://", "postgresql+psycopg2://")

    def run_seed(self, script: Path, **spec: object) -> dict:
        """Run a seeding script against the DB; return the JSON it printed last."""
        out = python(str(script), json.dumps({"db": self.sa_url, **spec}))
        return json.loads(out.strip().splitlines()[-1])

    def scalar(self, sql: str, **params: object):
        """One value from the DB."""
        return self.rows(sql, **params)[0][0]

    def rows(self, sql: str, **params: object) -> list:
        """All rows of a query."""
        engine = sa.create_engine(self.sa_url)
        with engine.connect() as conn:
            found = [tuple(row) for row in conn.execute(sa.text(sql), params)]
        engine.dispose()
        return found

    def tables(self) -> list[str]:
        """The DB's table names."""
        engine = sa.create_engine(self.sa_url)
        names = sa.inspect(engine).get_table_names()
        engine.dispose()
        return names

    def dagyard(self, *args: str, stdin: int | None = subprocess.DEVNULL):
        """Run `dagyard db ARGS` on this project and DB."""
        return subprocess.run(
            [
                support.DAGYARD,
                "db",
                *args[:1],
                "--project",
                str(self.repo),
                *self.cli_db,
                *args[1:],
            ],
            capture_output=True,
            text=True,
            stdin=stdin,
            env={**os.environ, "COLUMNS": "200"},
        )

    def clean(self, *args: str, stdin: int | None = subprocess.DEVNULL):
        """Run `dagyard db clean ARGS`."""
        return self.dagyard("clean", *args, stdin=stdin)

    def drop(self) -> None:
        """Drop the PostgreSQL database (SQLite files go with the test's folder)."""
        if self.pg_name:
            admin = psycopg2.connect(f"{PG_SERVER}/postgres")
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
            admin.close()


@contextmanager
def cleanup_project(
    folder: Path, dialect: str, kind: type[Project] = Project, batch_size: int = 5000
) -> Iterator[Project]:
    """The example repository with a 14-day `[cleanup]` retention and its metadata DB on
    `dialect`; the PostgreSQL database is dropped afterwards."""
    repo = support.copy_example_repo(folder / "dag-repo")
    with (repo / "dagyard.toml").open("a") as toml:
        toml.write(f"\n[cleanup]\nretention_days = 14\nbatch_size = {batch_size}\n")
    project = kind(repo, dialect)
    try:
        yield project
    finally:
        project.drop()


def scheduler_runs_a_dag(project: Project, dag_id: str = "hello_taskflow") -> str:
    """Start `dagyard dev` on the project's DB, trigger `dag_id`, wait for success; run id."""
    dev = support.start_dev(project.repo, *project.cli_db)
    try:
        with httpx.Client(
            base_url=dev.url, headers={"Authorization": f"Bearer {dev.token()}"}, timeout=30
        ) as http:
            http.patch(f"/api/v2/dags/{dag_id}", json={"is_paused": False}).raise_for_status()
            run = http.post(f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None})
            run.raise_for_status()
            run_id = run.json()["dag_run_id"]
            deadline = time.monotonic() + 180
            while True:
                state = http.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}").json()["state"]
                if state in ("success", "failed"):
                    break
                assert time.monotonic() < deadline, f"run still {state}"
                time.sleep(0.5)
            assert state == "success"
            return run_id
    finally:
        dev.stop()
