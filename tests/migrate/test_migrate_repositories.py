"""`dagyard migrate` on real Airflow 2 code: a legacy repository written in 2019–2022 style and
Airflow 2.10's own example DAGs (from the apache-airflow 2.10 wheel on the registry), loaded in
a real Airflow 2 before and in Airflow 3.3 after."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dagyard import airflow_env
from dagyard.migrate.airflow2_env import airflow2_python
from support import DAGYARD

LEGACY_REPO = Path(__file__).with_name("legacy_repo")

NEEDS_A_PERSON = {
    "failed_task_report.py",  # the ORM
    "metadata_cleanup.py",  # the ORM
    "regional_rollup.py",  # a SubDAG
    "configured_by_variable.py",  # Variable.get at module level, sla, prev_ds
}


@pytest.fixture(scope="module")
def airflow2() -> Path:
    return airflow2_python()


def migrate(repo: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [DAGYARD, "migrate", *arguments],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def import_errors(dags: Path, tmp: Path) -> dict[str, str]:
    """Load every DAG file of `dags` in Airflow 3 (a real DagBag) and return its import errors."""
    from dagyard.migrate import describe

    env = airflow_env.describe_env(tmp, dags)
    files = sorted(p.relative_to(dags).as_posix() for p in dags.glob("*.py"))
    result = subprocess.run(
        [sys.executable, describe.__file__, *files],
        cwd=dags,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    described = json.loads(result.stdout.split("@@dagyard-describe@@\n", 1)[1])
    return {name: info["error"] for name, info in described.items() if info["error"]}


def test_legacy_repository_check_reports_every_leftover_in_plain_words(tmp_path):
    repo = shutil.copytree(LEGACY_REPO, tmp_path / "repo")
    result = migrate(repo, "--check")
    assert result.returncode == 1
    out = result.stdout
    assert "dags/failed_task_report.py:7: DYM01" in out
    assert "dags/metadata_cleanup.py:13: DYM01" in out
    assert "dagyard alerts" in out and "dagyard db clean" in out
    assert "dags/regional_rollup.py:2: DYM02" in out
    assert "dags/configured_by_variable.py:7: DYM04" in out
    assert "dags/configured_by_variable.py:11: DYM05 `prev_ds`" in out
    assert "dags/scripts/send_feed.sh: would fix" in out
    assert (repo / "dags" / "daily_sales_export.py").read_text() == (
        LEGACY_REPO / "dags" / "daily_sales_export.py"
    ).read_text()  # --check changes nothing


def test_legacy_repository_write_then_every_fixable_file_loads_in_airflow3(tmp_path, airflow2):
    repo = shutil.copytree(LEGACY_REPO, tmp_path / "repo")
    verified = migrate(repo, "--verify")
    differences = [line for line in verified.stdout.splitlines() if line.startswith("≠")]
    # only the SubDAG file differs: it cannot load until a person replaces the SubDAG
    assert differences == [
        "≠ dags/regional_rollup.py: does not load in Airflow 3: ModuleNotFoundError: "
        "No module named 'airflow.operators.subdag'"
    ]
    assert "timing of cron" not in verified.stdout  # notes are named by DAG
    assert "daily_sales_export" in verified.stdout and "logical date" in verified.stdout

    written = migrate(repo, "--write")
    assert written.returncode == 1  # findings are left for a person
    dags = repo / "dags"
    errors = import_errors(dags, tmp_path / "home")
    assert set(errors) <= NEEDS_A_PERSON, errors
    assert "regional_rollup.py" in errors
    assert "{{ logical_date }}" in (dags / "scripts" / "send_feed.sh").read_text()
    again = migrate(repo, "--check")
    assert "would fix" not in again.stdout  # a second run has nothing left to fix


def test_airflow2_example_dags_migrate_load_and_verify(tmp_path, airflow2):
    site_packages = next(airflow2.parent.parent.glob("lib/python3*/site-packages"))
    repo = tmp_path / "repo"
    shutil.copytree(
        site_packages / "airflow" / "example_dags",
        repo / "dags",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    check = migrate(repo, "--check")
    reported = {line.split(":")[0] for line in check.stdout.splitlines() if line.startswith("✘")}

    verified = migrate(repo, "--verify")
    written = migrate(repo, "--write")
    assert written.returncode == 1
    errors = import_errors(repo / "dags", tmp_path / "home")
    # every file that still fails to load was reported with a line and what to do
    for name in errors:
        assert f"✘ dags/{name}" in " ".join(reported), (name, errors[name])
    unreported_failures = [
        line
        for line in verified.stdout.splitlines()
        if line.startswith("≠")
        and not any(line[2:].split(":")[0].split(" ")[0] in r for r in reported)
    ]
    assert unreported_failures == []
    assert len(errors) < 10


def test_diff_shows_the_change_and_writes_nothing_and_modes_exclude_each_other(tmp_path):
    repo = tmp_path / "repo"
    (repo / "dags").mkdir(parents=True)
    dag = repo / "dags" / "old.py"
    dag.write_text("from airflow.operators.dummy_operator import DummyOperator\nDummyOperator\n")
    broken = repo / "dags" / "broken.py"
    broken.write_text("from airflow import DAG\ndef f(:\n")
    diff = migrate(repo, "--diff")
    assert diff.returncode == 1
    assert "-from airflow.operators.dummy_operator import DummyOperator" in diff.stdout
    assert "+from airflow.providers.standard.operators.empty import EmptyOperator" in diff.stdout
    assert "dags/broken.py: line 2: Python cannot read this file" in diff.stderr
    assert dag.read_text().startswith("from airflow.operators.dummy_operator")

    written = migrate(repo, "--write")
    assert written.returncode == 1  # the broken file is left for a person
    assert broken.read_text() == "from airflow import DAG\ndef f(:\n"
    assert "EmptyOperator" in dag.read_text()

    both = migrate(repo, "--check", "--write")
    assert both.returncode == 2 and "choose one of" in both.stderr
