"""DY149 on DAG files dagyard did not write: Airflow's own example DAGs, spread over teams.

The trigger controller sits in team lake and its target in team mart; lake's asset
producers (Airflow's `example_assets.py`) feed a mart DAG; a lake DAG feeds an asset that a
mart `@asset`-style DAG (Airflow's `example_asset_decorator.py`) is scheduled on. Ties inside
one team (the external-task marker example, the alias example) must pass.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import airflow_example_paths as paths
import pytest

from support import DAGYARD

TEAMS = """
[teams.lake]
members = ["lake-lead@example.com"]
folders = ["lake"]

[teams.mart]
members = ["mart-lead@example.com"]
folders = ["mart"]

[teams.ops]
members = ["ops.lead@example.com"]
folders = ["ops"]
"""
PLACES = {
    "lake": [("standard", "example_trigger_controller_dag.py"), ("core", "example_assets.py"),
             ("core", "example_outlet_event_extra.py")],
    "mart": [("core", "example_trigger_target_dag.py"), ("core", "example_inlet_event_extra.py"),
             ("core", "example_asset_decorator.py"), ("core", "example_asset_alias.py")],
    "ops": [("standard", "example_external_task_marker_dag.py")],
}  # fmt: skip
MINE = {
    "mart/my_consumer.py": ("my_consumer", 'schedule=Asset("s3://dag1/output_1.txt")', ""),
    "lake/my_producer.py": (
        "my_producer",
        "schedule=None",
        'outlets=[Asset(name="asset1_producer", uri="s3://bucket/asset1_producer")]',
    ),
}
TEMPLATE = """\
from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, Asset

with DAG(dag_id="{dag_id}", {schedule}, start_date=datetime(2024, 1, 1)):
    EmptyOperator(task_id="x", {outlets})
"""


def check(root: Path) -> list[dict]:
    result = subprocess.run(
        [DAGYARD, "check", "--format", "json", "--project", str(root)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert not [f for f in report["findings"] if f["rule"] in ("DY101", "DY102")], report
    return sorted((f for f in report["findings"] if f["rule"] == "DY149"), key=lambda f: f["file"])


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("examples")
    (root / "dagyard.toml").write_text(TEAMS)
    folders = paths.example_dag_folders()
    for team, files in PLACES.items():
        (root / "dags" / team).mkdir(parents=True)
        for where, name in files:
            shutil.copy(folders[where] / name, root / "dags" / team / name)
    for name, (dag_id, schedule, outlets) in MINE.items():
        text = TEMPLATE.format(dag_id=dag_id, schedule=schedule, outlets=outlets)
        (root / "dags" / name).write_text(text)
    return root


def test_ties_across_teams_in_airflows_examples_are_found(project: Path) -> None:
    found = check(project)
    assert [(f["file"], f["message"]) for f in found] == [
        ("dags/lake/example_assets.py",
         "DAG 'asset_produces_1' (task 'producing_task_1') starts, through asset "
         "'s3://dag1/output_1.txt', DAG 'my_consumer' of team mart"),
        ("dags/lake/example_trigger_controller_dag.py",
         "DAG 'example_trigger_controller_dag' (task 'test_trigger_dagrun') triggers DAG "
         "'example_trigger_target_dag' of team mart"),
        ("dags/lake/my_producer.py",
         "DAG 'my_producer' (task 'x') starts, through asset 'asset1_producer', DAG "
         "'consumes_asset_decorator' of team mart"),
    ]  # fmt: skip
    assert 'task_id="producing_task_1"' in found[0]["source"]
    assert found[1]["source"].startswith("trigger = TriggerDagRunOperator(")


def test_links_to_allows_them(project: Path) -> None:
    config = project / "dagyard.toml"
    config.write_text(
        TEAMS.replace('folders = ["lake"]', 'folders = ["lake"]\nlinks_to = ["mart"]')
    )
    try:
        assert check(project) == []
    finally:
        config.write_text(TEAMS)
