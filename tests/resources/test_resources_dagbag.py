"""Resources in real DAG files, loaded by Airflow's DagBag with dagyard's task policy."""

from __future__ import annotations

from pathlib import Path

import pytest
from airflow import settings
from airflow.dag_processing.dagbag import DagBag
from airflow.providers.cncf.kubernetes.pod_generator import PodGenerator

from dagyard import policy
from dagyard.config import forget_project_config

GOOD = """
import datetime
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG
from dagyard.resources import with_resources

with DAG("sized", schedule=None, start_date=datetime.datetime(2025, 1, 1)):
    BashOperator(task_id="by_folder", bash_command="true")
    with_resources(BashOperator(task_id="by_task", bash_command="true"), "large")
"""

BAD = """
import datetime
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG
from dagyard.resources import with_resources

with DAG("oversized", schedule=None, start_date=datetime.datetime(2025, 1, 1)):
    with_resources(
        BashOperator(task_id="t1", bash_command="true"),
        {"request_cpu": "1", "limit_cpu": "500m"},
    )
"""


@pytest.fixture
def project(dag_repo: Path, monkeypatch) -> Path:
    monkeypatch.setenv("DAGYARD_PROJECT", str(dag_repo))
    monkeypatch.setenv("DAGYARD_PROFILE", "prod")
    monkeypatch.setattr(settings, "task_policy", policy.task_policy)
    policy._policy_config.cache_clear()
    forget_project_config()
    yield dag_repo
    policy._policy_config.cache_clear()
    forget_project_config()


def limits(task) -> dict:
    pod = PodGenerator.from_obj(task.executor_config)
    return pod.spec.containers[0].resources.limits


def test_dagbag_applies_presets_and_folder_defaults(project):
    path = project / "dags" / "data_lake" / "sized.py"
    path.write_text(GOOD)
    bag = DagBag(dag_folder=str(path), bundle_path=project / "dags", bundle_name="dags")
    assert bag.import_errors == {}
    dag = bag.dags["sized"]
    assert limits(dag.get_task("by_folder")) == {"cpu": "2", "memory": "4Gi"}  # data_lake: medium
    assert limits(dag.get_task("by_task")) == {"cpu": "3", "memory": "12Gi"}


def test_dagbag_reports_wrong_resources_as_an_import_error_naming_the_task(project):
    path = project / "dags" / "data_mart" / "oversized.py"
    path.write_text(BAD)
    bag = DagBag(dag_folder=str(path), bundle_path=project / "dags", bundle_name="dags")
    assert "oversized" not in bag.dags
    (error,) = bag.import_errors.values()
    assert (
        "task `t1` in dags/data_mart/oversized.py: request_cpu 1 is more than limit_cpu 500m"
        in (error)
    )
