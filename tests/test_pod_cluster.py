"""A pod task on a laptop finds out at once that no cluster is there, and says what to do.

Real KubernetesPodOperator tasks, the real Kubernetes client reading real kubeconfig files, and
real sockets on this machine: a closed port, a port that accepts but never answers, and a server
that answers.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.sdk.exceptions import AirflowFailException

from dagyard.pod_cluster import cluster_problem, require_cluster
from support import free_port

KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: laptop
  cluster:
    server: https://127.0.0.1:{port}
contexts:
- name: kind-laptop
  context: {{cluster: laptop, user: me}}
- name: minikube
  context: {{cluster: laptop, user: me}}
current-context: kind-laptop
users:
- name: me
  user: {{token: not-a-secret}}
"""


def kubeconfig(folder: Path, port: int) -> Path:
    path = folder / "kubeconfig"
    path.write_text(KUBECONFIG.format(port=port))
    return path


def pod_task(**settings) -> KubernetesPodOperator:
    """A pod task as the local policy leaves it: not in the cluster, with the laptop's settings."""
    return KubernetesPodOperator(task_id="train", image="python:3.11", in_cluster=False, **settings)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def answering_port() -> Iterator[int]:
    """A server that answers every connection (in plain HTTP: it is there, which is the point)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def test_a_kubeconfig_that_does_not_exist_is_named_with_the_setting_to_change(tmp_path):
    missing = tmp_path / ".kube" / "config"
    problem = cluster_problem(pod_task(config_file=str(missing)))
    assert problem == (
        f"the kubeconfig {missing} does not exist; set `[dev] kubeconfig` (and `kube_context`) "
        "in dagyard.toml to a cluster you can reach, for example a local kind or minikube cluster"
    )


def test_a_context_the_kubeconfig_lacks_is_named_with_the_ones_it_has(tmp_path):
    config = kubeconfig(tmp_path, free_port())
    problem = cluster_problem(pod_task(config_file=str(config), cluster_context="dev-cluster"))
    assert problem == (
        f"the kubeconfig {config} has no context `dev-cluster` (its contexts: kind-laptop, "
        "minikube); set `[dev] kube_context` in dagyard.toml to one of its contexts"
    )


def test_an_api_server_that_is_not_running_is_named_with_its_context(tmp_path):
    port = free_port()
    problem = cluster_problem(pod_task(config_file=str(kubeconfig(tmp_path, port))))
    assert problem.startswith(
        f"its Kubernetes API server https://127.0.0.1:{port} (context `kind-laptop`) refused the "
        f"connection (nothing listens on 127.0.0.1:{port}); start the cluster or connect to its "
        "network (VPN)"
    )


def test_an_api_server_that_never_answers_is_given_up_on(tmp_path, silent_port):
    task = pod_task(config_file=str(kubeconfig(tmp_path, silent_port)), cluster_context="minikube")
    problem = cluster_problem(task, timeout=0.5)
    assert f"https://127.0.0.1:{silent_port} (context `minikube`) did not answer within 0.5 s" in (
        problem
    )


def test_a_server_that_answers_lets_the_task_start(tmp_path, answering_port):
    task = pod_task(config_file=str(kubeconfig(tmp_path, answering_port)))
    assert cluster_problem(task) is None


def test_the_check_fails_the_task_without_retries_and_names_it(tmp_path):
    task = pod_task(config_file=str(tmp_path / "nothing"), retries=3)
    with pytest.raises(AirflowFailException) as failed:
        require_cluster({"task": task})
    message = str(failed.value)
    assert message.startswith(
        "Task `train` starts a Kubernetes pod and cannot reach a Kubernetes cluster from this "
        f"machine: the kubeconfig {tmp_path / 'nothing'} does not exist;"
    )
    assert message.endswith("The task was not retried: every try would fail the same way.")


def test_a_task_whose_cluster_answers_passes_the_check(tmp_path, answering_port):
    task = pod_task(config_file=str(kubeconfig(tmp_path, answering_port)))
    require_cluster({"task": task})
