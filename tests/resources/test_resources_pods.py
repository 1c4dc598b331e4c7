"""Resources reach the final pod: Airflow's pod generator, DAG serialization, the k8s client."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.cncf.kubernetes.pod_generator import PodGenerator
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG
from kubernetes.client import ApiClient
from kubernetes.client import models as k8s

from dagyard import policy
from dagyard.config import load_config
from dagyard.deploy.image import read_lock
from dagyard.deploy.values import worker_pod_preview
from dagyard.resources import Resources, ResourcesError, with_resources


def make_dag(repo: Path, folder: str = "data_lake", **dag_kwargs) -> DAG:
    dag = DAG(f"d_{folder}", schedule=None, **dag_kwargs)
    dag.fileloc = str(repo / "dags" / folder / "x.py")
    return dag


def final_pod(repo: Path, task) -> dict:
    """The worker pod the KubernetesExecutor would create, as the API server receives it."""
    config = load_config(repo)
    base = PodGenerator.deserialize_model_dict(
        worker_pod_preview(config, "prod", read_lock(config))
    )
    pod = PodGenerator.construct_pod(
        dag_id=task.dag_id,
        task_id=task.task_id,
        pod_id="d-t1",
        try_number=1,
        kube_image="apache/airflow:3.3.2",
        date=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        args=["airflow", "tasks", "run"],
        pod_override_object=PodGenerator.from_obj(task.executor_config),
        base_worker_pod=base,
        namespace="airflow",
        scheduler_job_id="1",
    )
    return ApiClient().sanitize_for_serialization(pod)


def test_preset_lands_on_the_base_container_of_the_final_worker_pod(dag_repo):
    config = load_config(dag_repo)
    with make_dag(dag_repo):
        task = with_resources(BashOperator(task_id="t1", bash_command="true"), "medium", config)
    pod = final_pod(dag_repo, task)
    base = pod["spec"]["containers"][0]
    assert base["name"] == "base"
    assert base["resources"] == {
        "requests": {"cpu": "1", "memory": "2Gi"},
        "limits": {"cpu": "2", "memory": "4Gi"},
    }
    # What the chart's pod template gives every worker is still there.
    assert pod["spec"]["nodeSelector"] == {"cloud.google.com/gke-nodepool": "airflow-workers"}
    assert pod["spec"]["tolerations"][0]["value"] == "airflow-workers"
    assert base["args"] == ["airflow", "tasks", "run"]


def test_existing_executor_config_is_merged_not_replaced(dag_repo):
    sidecar = k8s.V1Container(name="sidecar", image="busybox")
    volume = k8s.V1Volume(name="scratch", empty_dir=k8s.V1EmptyDirVolumeSource())
    existing = k8s.V1Pod(
        spec=k8s.V1PodSpec(
            containers=[
                sidecar,
                k8s.V1Container(
                    name="base",
                    image="custom:1",
                    resources=k8s.V1ResourceRequirements(limits={"nvidia.com/gpu": "1"}),
                ),
            ],
            volumes=[volume],
        )
    )
    config = load_config(dag_repo)
    with make_dag(dag_repo):
        task = BashOperator(
            task_id="t1",
            bash_command="true",
            executor_config={"pod_override": existing, "other": 1},
        )
    with_resources(task, Resources(request_cpu="500m", limit_memory="1Gi"), config)
    assert task.executor_config["other"] == 1
    assert existing.spec.containers[1].resources.requests is None  # the original is untouched
    pod = final_pod(dag_repo, task)
    by_name = {c["name"]: c for c in pod["spec"]["containers"]}
    assert by_name["base"]["image"] == "custom:1"
    assert by_name["base"]["resources"] == {
        "requests": {"cpu": "500m"},
        "limits": {"nvidia.com/gpu": "1", "memory": "1Gi"},
    }
    assert "sidecar" in by_name
    assert pod["spec"]["volumes"] == [{"name": "scratch", "emptyDir": {}}]


def test_pod_override_survives_dag_serialization(dag_repo):
    from airflow.serialization.serialized_objects import DagSerialization

    config = load_config(dag_repo)
    with make_dag(dag_repo) as dag:
        with_resources(BashOperator(task_id="t1", bash_command="true"), "large", config)
    restored = DagSerialization.from_dict(DagSerialization.to_dict(dag)).get_task("t1")
    pod = PodGenerator.from_obj(restored.executor_config)
    assert pod.spec.containers[0].resources.limits == {"cpu": "3", "memory": "12Gi"}


def test_pod_operator_gets_resources_on_its_own_pod(dag_repo):
    config = load_config(dag_repo)
    with make_dag(dag_repo):
        task = KubernetesPodOperator(task_id="k", image="python:3.12", name="k")
    with_resources(task, "small", config)
    assert not task.executor_config  # the launcher keeps the default worker size
    pod = ApiClient().sanitize_for_serialization(task.build_pod_request_obj(dry_run=True))
    assert pod["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "250m", "memory": "512Mi"},
        "limits": {"cpu": "500m", "memory": "1Gi"},
    }


def test_error_names_the_task_and_its_file(dag_repo):
    config = load_config(dag_repo)
    with make_dag(dag_repo, folder="data_mart"):
        task = BashOperator(task_id="t1", bash_command="true")
    with pytest.raises(ResourcesError) as caught:
        with_resources(task, {"request_cpu": 2, "limit_cpu": "500m"}, config)
    assert str(caught.value) == (
        "task `t1` in dags/data_mart/x.py: request_cpu 2 is more than limit_cpu 500m; "
        "lower the request or raise the limit"
    )
    with pytest.raises(ResourcesError, match=r"task `t1` in dags/data_mart/x.py: .*'hugee'"):
        with_resources(task, "hugee", config)
    with pytest.raises(ResourcesError, match="more than a worker node can give"):
        with_resources(task, Resources(request_memory="20Gi"), config)


def run_policy(monkeypatch, repo: Path, task) -> None:
    monkeypatch.setenv("DAGYARD_PROJECT", str(repo))
    monkeypatch.setenv("DAGYARD_PROFILE", "prod")
    policy._policy_config.cache_clear()
    try:
        policy.task_policy(task)
    finally:
        policy._policy_config.cache_clear()


def resources_of(task) -> dict:
    pod = PodGenerator.from_obj(task.executor_config)
    return ApiClient().sanitize_for_serialization(pod.spec.containers[0].resources)


def test_cluster_policy_applies_the_folder_default(dag_repo, monkeypatch):
    with make_dag(dag_repo, folder="data_lake"):
        task = BashOperator(task_id="t1", bash_command="true")
    run_policy(monkeypatch, dag_repo, task)
    assert resources_of(task)["limits"] == {"cpu": "2", "memory": "4Gi"}  # medium


def test_cluster_policy_leaves_folders_without_default_alone(dag_repo, monkeypatch):
    with make_dag(dag_repo, folder="monitoring"):
        task = BashOperator(task_id="t1", bash_command="true")
    run_policy(monkeypatch, dag_repo, task)
    assert not task.executor_config


def test_dag_default_beats_folder_default_and_task_choice_beats_both(dag_repo, monkeypatch):
    config = load_config(dag_repo)
    with make_dag(dag_repo, folder="data_lake", default_args={"dagyard_resources": "large"}):
        by_dag = BashOperator(task_id="by_dag", bash_command="true")
        by_task = with_resources(
            BashOperator(task_id="by_task", bash_command="true"), "small", config
        )
        pod_task = KubernetesPodOperator(task_id="k", image="python:3.12", name="k")
    for task in (by_dag, by_task, pod_task):
        run_policy(monkeypatch, dag_repo, task)
    assert resources_of(by_dag)["limits"] == {"cpu": "3", "memory": "12Gi"}
    assert resources_of(by_task)["limits"] == {"cpu": "500m", "memory": "1Gi"}
    assert pod_task.container_resources.limits == {"cpu": "3", "memory": "12Gi"}
    assert not pod_task.executor_config
