"""DY149 team-links, by the real `dagyard check` on a small repository of three teams.

Each file plants one tie between DAGs (trigger, wait, clear, asset, templated trigger, a tie
allowed by `links_to`, a tie inside one team); the check must report exactly the ties that
cross to another team without an allowance, at the line of the task that makes them.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from support import DAGYARD

CONFIG = """
[project]
name = "links"

[teams.lake]
members = ["lake-lead@example.com"]
folders = ["lake"]

[teams.mart]
members = ["mart-lead@example.com"]
folders = ["mart"]
links_to = ["lake"]

[teams.ops]
members = ["ops.person@example.com"]
folders = ["ops"]
links_to = ["*"]

[check]
disable = ["DY110", "DY140", "DY141", "DY142", "DY143", "DY144", "DY150"]
"""

HEAD = """\
from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskMarker, ExternalTaskSensor
from airflow.sdk import DAG, Asset

"""


def dag(dag_id: str, body: str, schedule: str = "None") -> str:
    return HEAD + (
        f'with DAG(dag_id="{dag_id}", schedule={schedule}, start_date=datetime(2024, 1, 1)):\n'
        + textwrap.indent(textwrap.dedent(body).strip() + "\n", "    ")
    )


FILES = {
    "mart/revenue.py": dag("revenue", 'EmptyOperator(task_id="build")', 'Asset("rentals")'),
    "mart/marts_internal.py": dag(
        "marts_internal", 'TriggerDagRunOperator(task_id="go", trigger_dag_id="revenue")'
    ),
    "lake/triggers_mart.py": dag(
        "triggers_mart",
        """
        EmptyOperator(task_id="first")
        TriggerDagRunOperator(task_id="kick", trigger_dag_id="revenue")
        """,
    ),
    "lake/waits_on_mart.py": dag(
        "waits_on_mart", 'ExternalTaskSensor(task_id="wait", external_dag_id="revenue")'
    ),
    "lake/clears_mart.py": dag(
        "clears_mart",
        'ExternalTaskMarker(task_id="mark", external_dag_id="revenue", external_task_id="build")',
    ),
    "lake/feeds_mart.py": dag(
        "feeds_mart", 'EmptyOperator(task_id="load", outlets=[Asset("rentals")])'
    ),
    "lake/templated.py": dag(
        "templated",
        'TriggerDagRunOperator(task_id="any", trigger_dag_id="{{ params.target }}")',
    ),
    "lake/ignored.py": dag(
        "ignored",
        'TriggerDagRunOperator(task_id="x", trigger_dag_id="revenue")  # dagyard: ignore',
    ),
    "lake/mapped.py": dag(
        "mapped",
        """
        TriggerDagRunOperator.partial(task_id="each").expand(
            trigger_dag_id=["triggers_mart", "revenue"]
        )
        """,
    ),
    "lake/mapped_at_run_time.py": dag(
        "mapped_at_run_time",
        """
        ids = EmptyOperator(task_id="ids").output
        TriggerDagRunOperator.partial(task_id="each").expand(trigger_dag_id=ids)
        """,
    ),
    "lake/elsewhere.py": dag(
        "elsewhere", 'TriggerDagRunOperator(task_id="far", trigger_dag_id="not_in_this_repo")'
    ),
    "mart/allowed.py": dag(
        "allowed", 'TriggerDagRunOperator(task_id="back", trigger_dag_id="triggers_mart")'
    ),
    "mart/not_allowed.py": dag(
        "not_allowed", 'ExternalTaskSensor(task_id="peek", external_dag_id="ops_watch")'
    ),
    "ops/ops_watch.py": dag(
        "ops_watch", 'TriggerDagRunOperator(task_id="any", trigger_dag_id="{{ params.x }}")'
    ),
}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("links")
    (root / "dagyard.toml").write_text(CONFIG)
    for name, text in FILES.items():
        path = root / "dags" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def check(root: Path, *files: str) -> list[dict]:
    result = subprocess.run(
        [DAGYARD, "check", *(str(root / "dags" / f) for f in files), "--format", "json",
         "--project", str(root)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    return [f for f in report["findings"] if f["rule"] == "DY149"]


@pytest.fixture(scope="module")
def findings(root: Path) -> list[dict]:
    return check(root)


def where(findings: list[dict]) -> list[tuple[str, int]]:
    return sorted((f["file"].removeprefix("dags/"), f["line"]) for f in findings)


def test_every_crossing_tie_is_reported_at_its_task(findings: list[dict]) -> None:
    assert where(findings) == sorted(
        [
            ("lake/clears_mart.py", 9),
            ("lake/feeds_mart.py", 9),
            ("lake/elsewhere.py", 9),
            ("lake/ignored.py", 9),
            ("lake/mapped.py", 9),
            ("lake/mapped_at_run_time.py", 10),
            ("lake/templated.py", 9),
            ("lake/triggers_mart.py", 10),
            ("lake/waits_on_mart.py", 9),
            ("mart/not_allowed.py", 9),
        ]
    )
    assert all(f["severity"] == "error" for f in findings)


def test_messages_name_the_other_dag_its_team_and_the_config_line(findings: list[dict]) -> None:
    by_file = {f["file"].removeprefix("dags/"): f for f in findings}
    kick = by_file["lake/triggers_mart.py"]
    assert (
        kick["message"] == "DAG 'triggers_mart' (task 'kick') triggers DAG 'revenue' of team mart"
    )
    assert kick["hint"].endswith('under [teams.lake]: links_to = ["mart"]')
    feeds = by_file["lake/feeds_mart.py"]["message"]
    assert feeds == (
        "DAG 'feeds_mart' (task 'load') starts, through asset 'rentals', DAG 'revenue' of team mart"
    )
    assert "clears tasks of DAG 'revenue'" in by_file["lake/clears_mart.py"]["message"]
    assert "waits on DAG 'revenue'" in by_file["lake/waits_on_mart.py"]["message"]
    templated = by_file["lake/templated.py"]
    assert "a DAG chosen at run time, which may belong to any team" in templated["message"]
    assert templated["hint"].endswith('links_to = ["*"]')
    assert "waits on DAG 'ops_watch' of team ops" in by_file["mart/not_allowed.py"]["message"]
    assert by_file["lake/mapped.py"]["message"] == (
        "DAG 'mapped' (task 'each') triggers DAG 'revenue' of team mart"
    )
    assert "a DAG chosen at run time" in by_file["lake/mapped_at_run_time.py"]["message"]
    assert by_file["lake/elsewhere.py"]["message"] == (
        "DAG 'elsewhere' (task 'far') triggers DAG 'not_in_this_repo' of no team"
    )


def test_allowed_and_same_team_ties_pass(findings: list[dict]) -> None:
    files = {f["file"] for f in findings}
    for name in (
        "mart/allowed.py",
        "mart/marts_internal.py",
        "ops/ops_watch.py",
        "mart/revenue.py",
    ):
        assert f"dags/{name}" not in files


def test_a_partial_check_reports_assets_other_teams_files_name(root: Path) -> None:
    [producer] = check(root, "lake/feeds_mart.py")
    assert producer["message"] == (
        "DAG 'feeds_mart' produces asset 'rentals', which dags/mart/revenue.py of team mart "
        "also names (not loaded in this check): a DAG of team lake may start one of team mart"
    )
    assert producer["line"] == 9
    assert producer["hint"].endswith('[teams.lake]: links_to = ["mart"]')
    [consumer] = check(root, "mart/revenue.py")
    assert consumer["message"] == (
        "DAG 'revenue' is scheduled on asset 'rentals', which dags/lake/feeds_mart.py of team "
        "lake also names (not loaded in this check): a DAG of team lake may start one of team "
        "mart"
    )
    assert consumer["file"] == "dags/mart/revenue.py"
    assert check(root, "mart/marts_internal.py") == []
