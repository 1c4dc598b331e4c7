"""Shared test helpers: paths, free ports, example-repo copies and real `dagyard dev` processes.

A plain module (not `conftest`) so that test files can import it by name.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import httpx

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_REPO = REPO / "examples" / "dag-repo"
DAGYARD = str(Path(sys.executable).with_name("dagyard"))
# The official Airflow Helm chart is not part of dagyard: tests that need it read it from here.
HELM_CHART_ENV = "DAGYARD_TEST_HELM_CHART"
REFERENCE_HELM_CHART = REPO.parent / "shared" / "reference" / "airflow-helm-chart-1.21.0"

# A small, clean DAG file; format it with dag_id and owner.
SMALL_DAG = '''"""A small DAG."""

from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

with DAG(
    dag_id="{dag_id}",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["data_mart"],
    default_args={{"owner": "{owner}", "retries": 1}},
):
    EmptyOperator(task_id="only")
'''


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def helm_chart_path() -> tuple[Path | None, str]:
    """Where the Airflow Helm chart 1.21.0 for tests is, or None and why it is not there."""
    given = os.environ.get(HELM_CHART_ENV)
    path = Path(given) if given else REFERENCE_HELM_CHART
    if path.exists():
        return path, ""
    if given:
        return None, f"{HELM_CHART_ENV}={given} does not exist"
    return None, (
        f"the Apache Airflow Helm chart 1.21.0 is not at {path} and {HELM_CHART_ENV} is not "
        "set; point it at a folder or .tgz from `helm pull apache-airflow/airflow --version "
        "1.21.0 [--untar]`"
    )


def copy_example_repo(target: Path) -> Path:
    """A private copy of the example DAG repo (without any local state).

    The example takes dagyard from the checkout it lives in (`path = "../.."`); the copy takes
    it from the same checkout by its absolute path, in pyproject.toml and uv.lock alike, so uv
    can still lock and sync the copy and the two files still agree.
    """
    shutil.copytree(
        EXAMPLE_REPO,
        target,
        ignore=shutil.ignore_patterns(".dagyard", "__pycache__", ".venv", ".tools"),
    )
    pyproject, lock = target / "pyproject.toml", target / "uv.lock"
    pyproject.write_text(pyproject.read_text().replace('{ path = "../..",', f'{{ path = "{REPO}",'))
    lock.write_text(lock.read_text().replace('editable = "../../"', f'editable = "{REPO}"'))
    return target


class DevProcess(NamedTuple):
    """A running `dagyard dev` started by a test."""

    process: subprocess.Popen
    project: Path
    port: int
    output: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(self) -> str:
        result = subprocess.run(
            [DAGYARD, "dev", "token", "--project", str(self.project)],
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.token()}"}, timeout=10
        )

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_for_output(self, needle: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.text():
                return self.text()
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} not in dagyard dev output:\n{self.text()}")

    def stop(self, signum: int = signal.SIGINT, timeout: float = 15) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.process.wait(timeout=timeout)


def start_dev(project: Path, *extra: str, port: int | None = None) -> DevProcess:
    """Start `dagyard dev` on `project` and wait until it says it is ready."""
    port = port or free_port()
    output = project.parent / f"dev-{port}.out"
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # dagyard itself must keep dags/ clean
    with output.open("w") as sink:
        process = subprocess.Popen(
            [DAGYARD, "dev", "--project", str(project), "--port", str(port), *extra],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
    dev = DevProcess(process, project, port, output)
    try:
        dev.wait_for_output("Airflow is ready", timeout=180)
    except AssertionError:
        dev.stop(signal.SIGTERM)
        raise
    return dev


# A kubeconfig naming a cluster on a port where nothing listens (format with `port`).
UNREACHABLE_KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- {{name: laptop, cluster: {{server: "https://127.0.0.1:{port}"}}}}
contexts:
- {{name: kind-laptop, context: {{cluster: laptop, user: me}}}}
current-context: kind-laptop
users:
- {{name: me, user: {{token: not-a-secret}}}}
"""
