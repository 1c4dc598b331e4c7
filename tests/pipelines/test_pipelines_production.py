"""Production loads the same pipeline files unchanged: the rendered Helm values ship the loader
(airflow_local_settings), the baked image carries the templates, and Airflow configured only by
those values loads the example repository's pipelines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from dagyard.config import load_config
from dagyard.deploy import render, write

LOAD = """
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag()
print(json.dumps({"dags": sorted(bag.dags), "errors": sorted(bag.import_errors),
                  "files": sorted({d.relative_fileloc for d in bag.dags.values()})}))
"""


def load_as_production(dag_repo: Path, tmp_path: Path) -> dict:
    """What Airflow, configured only by the rendered Helm values, loads from the DAGs folder."""
    out = dag_repo / "deploy" / "prod"
    write(render(load_config(dag_repo), "prod"), out)
    values = yaml.safe_load((out / "values.yaml").read_text())
    settings = values["airflowLocalSettings"]
    assert "_register_pipelines()" in settings
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "airflow_local_settings.py").write_text(settings)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dag_repo / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "DAGYARD_PROJECT": str(dag_repo),
        "PYTHONPATH": str(dag_repo / "dags"),
    }
    done = subprocess.run(
        [sys.executable, "-c", LOAD], capture_output=True, text=True, timeout=180, env=env
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_rendered_values_load_the_example_pipelines(dag_repo: Path, tmp_path: Path):
    loaded = load_as_production(dag_repo, tmp_path)
    assert loaded["errors"] == []
    assert {"sync_vehicle_catalog", "table_freshness", "public_holidays"} <= set(loaded["dags"])
    assert any(f.endswith("dags/monitoring/table_freshness.pipeline.yaml") for f in loaded["files"])


def test_an_owner_outside_the_company_takes_away_neither_a_pipeline_nor_a_python_dag(
    dag_repo: Path, tmp_path: Path
):
    """`dagyard check` reports both (DY110); production loads both, as it always did Python."""
    mart = dag_repo / "dags" / "data_mart"
    (mart / "outsider.pipeline.yaml").write_text(
        "pipeline: outsider_pipeline\nowner: ana@gmail.com\nstart_date: 2024-01-01\n"
        "steps:\n  extract: {uses: bash, with: {command: echo}}\n"
    )
    (mart / "outsider_dag.py").write_text(
        "from datetime import datetime\n"
        "from airflow.providers.standard.operators.bash import BashOperator\n"
        "from airflow.sdk import DAG\n\n"
        'with DAG("outsider_dag", schedule=None, start_date=datetime(2024, 1, 1),\n'
        '         default_args={"owner": "ana@gmail.com"}):\n'
        '    BashOperator(task_id="extract", bash_command="echo")\n'
    )
    loaded = load_as_production(dag_repo, tmp_path)
    assert loaded["errors"] == []
    assert {"outsider_pipeline", "outsider_dag"} <= set(loaded["dags"])


def test_a_baked_image_carries_the_pipeline_templates(dag_repo: Path):
    path = dag_repo / "dagyard.toml"
    path.write_text(path.read_text().replace('dags = "git-sync"', 'dags = "baked"', 1))
    out = dag_repo / "deploy" / "prod"
    write(render(load_config(dag_repo), "prod"), out)
    dockerfile = (out / "image" / "Dockerfile").read_text()
    assert "COPY --chown=airflow:0 templates/ /opt/airflow/dagyard-repo/templates/" in dockerfile
