"""`dagyard db clean` on SQLite and PostgreSQL with 210 000 seeded task instances.

Old rows go, newer rows and the latest run of every DAG stay, no archive table is left, and
the scheduler still runs a DAG on the cleaned database.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from metadata_db import Project, cleanup_project, scheduler_runs_a_dag

SEED = Path(__file__).resolve().parents[1] / "alerts" / "seed_airflow_db.py"


class Seeded(Project):
    """A project whose metadata DB holds 210 000 task instances over 30 days."""

    def seed(self, **spec: object) -> dict:
        return self.run_seed(SEED, fast=True, **spec)


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Seeded]:
    with cleanup_project(tmp_path, request.param, Seeded) as project:
        project.cutoff = project.now - timedelta(days=14)
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

    status = seeded.dagyard("status")
    assert status.returncode == 0, status.stderr
    assert "98,050" in status.stdout and "Size:" in status.stdout

    again = seeded.clean("--dry-run")
    assert again.returncode == 0 and "total" in again.stdout
    assert "Dry run: nothing was removed" in again.stdout

    scheduler_runs_a_dag(seeded)
