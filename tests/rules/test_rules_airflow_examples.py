"""Airflow's own example DAGs (core and installed providers) pass the import rules."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import airflow_example_paths as paths

from support import DAGYARD

IMPORT_RULES = {"DY101", "DY102", "DY103"}


def test_airflow_example_dags_pass_the_import_rules(tmp_path: Path):
    repo = tmp_path / "repo"
    sources = paths.example_dag_folders()
    assert sources, "no example DAG folders found in the installed Airflow"
    for name, folder in sources.items():
        shutil.copytree(folder, repo / "dags" / name, ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "dagyard.toml").write_text("")
    done = subprocess.run(
        [DAGYARD, "check", "--all", "--format", "json", "--project", str(repo)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    report = json.loads(done.stdout)
    import_findings = [f for f in report["findings"] if f["rule"] in IMPORT_RULES]
    assert import_findings == []
    assert report["summary"]["dags"] >= 80
