"""`dagyard db clean` on a metadata DB whose DAGs changed over time (SQLite and PostgreSQL).

Every DAG has four serialized versions (35, 21, 12.5 and 3 days old) and a run per day on the
version of that day; the last run of each version was re-run on the next one. Airflow 3.3's
own clean-up deletes versions that surviving runs and earlier tries still point at, and on
a DAG whose latest run is kept it fails on the `dag_version` foreign key. dagyard's must
not: no foreign-key error, nothing still referenced removed, and the scheduler still runs
the DAG afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from metadata_db import Project, cleanup_project, python, scheduler_runs_a_dag

import support

SEED = Path(__file__).resolve().parent / "seed_dag_versions.py"
DAGS = 20
# Every reference to a DAG version, and the rows it comes from.
REFERENCES = {
    "task_instance": "dag_version_id",
    "task_instance_history": "dag_version_id",
    "dag_run": "created_dag_version_id",
}
STOCK_CLEAN = """
import os, sys, tempfile
from datetime import UTC, datetime, timedelta
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = sys.argv[1]
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp()
from airflow.utils.db_cleanup import run_cleanup
run_cleanup(
    clean_before_timestamp=datetime.now(UTC) - timedelta(days=14),
    confirm=False,
    skip_archive=True,
    error_on_cleanup_failure=True,
)
"""


class Versioned(Project):
    """A project whose DAGs have a version history (see seed_dag_versions.py)."""

    def seed(self) -> dict:
        self.seeded = self.run_seed(SEED, dags_folder=str(self.repo / "dags"), dags=DAGS)
        return self.seeded

    def versions(self, dag_id: str) -> list[str]:
        """The seeded version ids of `dag_id`, oldest first."""
        return self.seeded["versions"][dag_id]

    def exists(self, table: str, version: str) -> bool:
        """Whether `table` has a row for the DAG version `version`."""
        column = "id" if table == "dag_version" else "dag_version_id"
        stored = version.replace("-", "") if self.dialect == "sqlite" else version
        return bool(self.scalar(f"SELECT count(*) FROM {table} WHERE {column} = :v", v=stored))

    def dangling(self) -> dict[str, int]:
        """Rows whose DAG version reference points at no version."""
        return {
            table: self.scalar(
                f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM dag_version v WHERE v.id = t.{column})"
            )
            for table, column in REFERENCES.items()
        }

    def runs_without_version(self) -> int:
        """Runs whose `created_dag_version_id` is empty (the seed leaves none)."""
        return self.scalar("SELECT count(*) FROM dag_run WHERE created_dag_version_id IS NULL")

    def foreign_key_errors(self) -> list:
        """Rows breaking a foreign key (SQLite checks on demand; PostgreSQL never allows one)."""
        if self.dialect == "sqlite":
            return self.rows("PRAGMA foreign_key_check")
        return []


@pytest.fixture(params=["sqlite", "postgresql"])
def versioned(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Versioned]:
    with cleanup_project(tmp_path, request.param, Versioned, batch_size=100) as project:
        project.seed()
        yield project


@pytest.mark.timeout(600)
def test_clean_keeps_every_referenced_version_and_the_dag_still_runs(versioned: Versioned):
    before = versioned.scalar("SELECT count(*) FROM dag_version")
    assert before == (DAGS + 1) * 4 + 2
    assert versioned.dangling() == dict.fromkeys(REFERENCES, 0)
    assert versioned.runs_without_version() == 0

    # one audit-log row per daily run; the run 14 days ago sits on the cut-off, so count clear of it
    old_logs = "SELECT count(*) FROM log WHERE event = 'running' AND dttm < :t"
    new_logs = "SELECT count(*) FROM log WHERE event = 'running' AND dttm >= :t"
    old, new = versioned.now - timedelta(days=14.5), versioned.now - timedelta(days=13.5)
    assert versioned.scalar(old_logs, t=old) > 0
    logs_kept = versioned.scalar(new_logs, t=new)

    exported = versioned.repo / "removed-rows"
    result = versioned.clean("--yes", "--export", str(exported))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no archive tables left" in result.stdout
    assert "dag_version" in result.stdout
    assert not [t for t in versioned.tables() if t.startswith("_airflow_deleted__")]
    # the audit log goes through Airflow's run_cleanup, the version tables through the adapter;
    # both keep the removed rows as CSV
    files = {path.name.split("__")[1] for path in exported.glob("*.csv")}
    assert {"log", "task_instance", "dag_run", "dag_version"} <= files
    assert versioned.scalar(old_logs, t=old) == 0
    assert versioned.scalar(new_logs, t=new) == logs_kept

    assert versioned.foreign_key_errors() == []
    assert versioned.dangling() == dict.fromkeys(REFERENCES, 0)
    assert versioned.runs_without_version() == 0
    for dag_id in [f"versioned_{n:03d}" for n in range(DAGS)] + ["hello_taskflow"]:
        first, second, third, fourth = versioned.versions(dag_id)
        # only runs older than the retention used the first version: it goes, with its
        # serialized DAG and code
        assert not versioned.exists("dag_version", first), dag_id
        assert not versioned.exists("serialized_dag", first)
        assert not versioned.exists("dag_code", first)
        # the second is older than the retention, and only a kept run and the earlier try of
        # its re-run tasks point at it: it stays
        for version in (second, third, fourth):
            for table in ("dag_version", "serialized_dag", "dag_code"):
                assert versioned.exists(table, version), (dag_id, table, version)
    assert versioned.scalar("SELECT count(*) FROM dag_version") == before - (DAGS + 1) - 1

    # A DAG last parsed 40 days ago keeps its row, its latest run and that run's version.
    retired_first, retired_last = versioned.versions("retired_versions")
    assert versioned.scalar("SELECT count(*) FROM dag WHERE dag_id = 'retired_versions'") == 1
    assert versioned.scalar("SELECT count(*) FROM dag_run WHERE dag_id = 'retired_versions'") == 1
    assert (
        versioned.scalar("SELECT count(*) FROM task_instance WHERE dag_id = 'retired_versions'")
        == 1
    )
    assert versioned.exists("dag_version", retired_last)
    assert not versioned.exists("dag_version", retired_first)

    again = versioned.clean("--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Nothing to clean" in again.stdout

    run_id = scheduler_runs_a_dag(versioned)
    assert versioned.dangling() == dict.fromkeys(REFERENCES, 0)
    used = versioned.rows(
        "SELECT DISTINCT dag_version_id FROM task_instance WHERE run_id = :r", r=run_id
    )
    assert len(used) == 1 and used[0][0] is not None


def test_airflow_alone_loses_version_references_on_this_history(tmp_path: Path):
    """The same history cleaned by Airflow's `run_cleanup` alone, as `airflow db clean` does:
    it removes versions that kept runs and earlier tries still point at (why dagyard adds
    its own filters)."""
    project = Versioned(support.copy_example_repo(tmp_path / "dag-repo"), "sqlite")
    project.seed()
    python("-c", STOCK_CLEAN, project.sa_url)
    dangling = project.dangling()
    assert dangling["task_instance_history"] > 0
    assert project.runs_without_version() > 0
