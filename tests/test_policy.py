"""Local-only settings reach pod tasks through the task policy, never through DAG code."""

from __future__ import annotations

import pytest
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

from dagyard import policy
from dagyard._airflow.task_hooks import pre_execute_hook
from dagyard.config import forget_project_config
from dagyard.pod_cluster import require_cluster


@pytest.fixture
def local_project(tmp_path, monkeypatch):
    (tmp_path / "dagyard.toml").write_text(
        '[dev]\nkubeconfig = "~/.kube/dev-config"\nkube_context = "dev-cluster"\n'
        'kube_namespace = "airflow-local"\n'
        '[kubernetes]\npod_operators = ["KubernetesPodOperator", "SheetToWarehouseOperator"]\n'
    )
    monkeypatch.setenv("DAGYARD_PROJECT", str(tmp_path))
    monkeypatch.setenv("DAGYARD_PROFILE", "local")
    policy._policy_config.cache_clear()
    forget_project_config()
    yield tmp_path
    policy._policy_config.cache_clear()
    forget_project_config()


class SheetToWarehouseOperator(KubernetesPodOperator):
    """A team's own pod-based operator, configured in dagyard.toml."""


def in_dag(make):
    """Create a task the way Airflow hands it to the policy: inside a DAG."""
    with DAG("policy_test", schedule=None):
        return make()


def test_pod_task_gets_the_laptop_kubeconfig(local_project):
    task = in_dag(lambda: KubernetesPodOperator(task_id="t", image="python:3.11", name="t"))
    assert task.in_cluster is not False
    policy.task_policy(task)
    assert task.in_cluster is False
    assert task.config_file.endswith(".kube/dev-config")
    assert task.cluster_context == "dev-cluster"
    assert task.namespace == "airflow-local"


def test_pod_task_checks_for_its_cluster_before_it_starts_once_however_often_parsed(local_project):
    task = in_dag(lambda: KubernetesPodOperator(task_id="t", image="python:3.11", name="t"))
    policy.task_policy(task)
    policy.task_policy(task)
    assert pre_execute_hook(task) is require_cluster


def test_a_pre_execute_the_dag_gave_is_kept(local_project):
    def given(context):
        pass

    task = in_dag(
        lambda: KubernetesPodOperator(task_id="t", image="python:3.11", name="t", pre_execute=given)
    )
    policy.task_policy(task)
    combined = pre_execute_hook(task)
    assert combined is not given and combined.dagyard_checks == (require_cluster,)


def test_configured_pod_operator_subclass_is_covered(local_project):
    task = in_dag(lambda: SheetToWarehouseOperator(task_id="t", image="python:3.11", name="t"))
    policy.task_policy(task)
    assert task.in_cluster is False


def test_other_operators_are_untouched(local_project):
    task = in_dag(lambda: BashOperator(task_id="b", bash_command="echo"))
    policy.task_policy(task)
    assert not hasattr(task, "in_cluster")
    assert pre_execute_hook(task) is None


def test_nothing_is_injected_outside_the_laptop(local_project, monkeypatch):
    monkeypatch.setenv("DAGYARD_PROFILE", "prod")
    task = in_dag(lambda: KubernetesPodOperator(task_id="t", image="python:3.11", name="t"))
    policy.task_policy(task)
    assert task.in_cluster is not False
    assert task.config_file is None
    assert pre_execute_hook(task) is None


def test_local_settings_module_is_written_once(tmp_path):
    path = policy.write_local_settings(tmp_path)
    assert path == tmp_path / "config" / "airflow_local_settings.py"
    assert "from dagyard.policy import" in path.read_text()
    mtime = path.stat().st_mtime_ns
    policy.write_local_settings(tmp_path)
    assert path.stat().st_mtime_ns == mtime
