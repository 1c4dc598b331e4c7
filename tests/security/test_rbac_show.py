"""`dagyard rbac show` names the DAGs a team can start by creating asset events.

Run as a real command on a copy of the example repository with two asset-scheduled DAGs of
different teams (the DAG files are loaded the way `dagyard check` loads them).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from support import DAGYARD, copy_example_repo

CONSUMER = """\
from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, Asset, AssetAlias

with DAG(
    dag_id="{dag_id}",
    schedule={schedule},
    start_date=datetime(2024, 1, 1),
    catchup=False,
):
    EmptyOperator(task_id="build")
"""


def show(project: Path) -> tuple[int, str]:
    result = subprocess.run(
        [DAGYARD, "rbac", "show", "--project", str(project)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "300"},
    )  # fmt: skip
    return result.returncode, result.stdout + result.stderr


def test_granted_team_sees_every_dag_its_asset_events_start(tmp_path: Path) -> None:
    project = copy_example_repo(tmp_path / "repo")
    dags = project / "dags"
    (dags / "data_mart" / "mart_on_rentals.py").write_text(
        CONSUMER.format(dag_id="mart_on_rentals", schedule='Asset("rental_events")')
    )
    (dags / "monitoring" / "watch_any.py").write_text(
        CONSUMER.format(
            dag_id="watch_any", schedule='Asset("a") | (Asset("b") & AssetAlias("late"))'
        )
    )
    config = project / "dagyard.toml"
    config.write_text(
        config.read_text().replace(
            'slack_channel = "#lake-alerts"',
            'slack_channel = "#lake-alerts"\npermissions = ["create asset events"]',
        )
    )
    code, out = show(project)
    assert code == 0, out
    lake = out.split("team-lake", 1)[1].split("team-mart", 1)[0]
    assert "may also: create asset events" in lake
    assert (
        "creating asset events starts every asset-scheduled DAG: "
        "mart_on_rentals (team mart), watch_any (team platform)"
    ) in lake
    assert "asset-scheduled" not in out.split("team-mart", 1)[1]


def test_dag_files_are_loaded_only_for_a_granted_team(tmp_path: Path) -> None:
    project = copy_example_repo(tmp_path / "repo")
    marker = tmp_path / "loaded"
    (project / "dags" / "data_mart" / "marks.py").write_text(
        f"import pathlib  # airflow dag\npathlib.Path({str(marker)!r}).write_text('yes')\n"
    )
    code, out = show(project)
    assert code == 0, out
    assert not marker.exists() and "asset" not in out
    config = project / "dagyard.toml"
    config.write_text(
        config.read_text().replace(
            'slack_channel = "#mart-alerts"',
            'slack_channel = "#mart-alerts"\npermissions = ["create asset events"]',
        )
    )
    code, out = show(project)
    assert code == 0, out
    assert marker.exists()
    assert "creating asset events starts every asset-scheduled DAG: none in this" in out
