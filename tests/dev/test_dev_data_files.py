"""A DAG file that builds its DAGs from a data file (a YAML config, as dag-factory does): saving
the data file re-parses the DAG file in `dagyard dev`, as saving the DAG file would."""

from __future__ import annotations

import time

from support import start_dev

LOADER = '''"""DAGs built from teams.yml, the way dag-factory builds them from its YAML."""

from datetime import datetime
from pathlib import Path

import yaml
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

for team in yaml.safe_load((Path(__file__).parent / "teams.yml").read_text())["teams"]:
    with DAG(f"{team}_load", schedule=None, start_date=datetime(2024, 1, 1)):
        EmptyOperator(task_id="load")
'''


def test_a_saved_config_file_reparses_the_dag_files_that_read_it(tmp_path):
    root = tmp_path / "repo"
    folder = root / "dags" / "_development"
    folder.mkdir(parents=True)
    (root / "dagyard.toml").write_text('[owners]\nemail_domains = ["example.com"]\n')
    (folder / "team_loads.py").write_text(LOADER)
    config = folder / "teams.yml"
    config.write_text("teams: [sales]\n")
    dev = start_dev(root)
    try:
        assert "✔ 1 DAG(s) from dags/_development: sales_load" in dev.text()
        config.write_text("teams: [sales, stock]\n")
        dev.wait_for_output("team_loads.py → sales_load (1 task), stock_load (1 task)")
        with dev.client() as api:
            deadline = time.monotonic() + 30
            while "stock_load" not in {d["dag_id"] for d in api.get("/api/v2/dags").json()["dags"]}:
                assert time.monotonic() < deadline, "stock_load never listed by the API"
                time.sleep(0.2)
    finally:
        dev.stop()
