"""A new user's first day, as the README tells it, with no dagyard source tree on the PATH.

The platform team builds dagyard's wheel and installs it; `dagyard init` makes the
organisation's repository from that installation; in it, `make dev` bootstraps uv, installs the
lock and starts Airflow with the example DAG; a DAG that needs a new package is fixed with
`dagyard deps add` while Airflow runs; `make dev` again keeps it; a second clone gets exactly the
same versions, and `make test` passes there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import pytest

from support import REPO, free_port

pytestmark = pytest.mark.timeout(1500)

UV = str(REPO / ".tools" / "bin" / "uv")
HUMANIZE_DAG = '''"""Sizes of yesterday's exports, in words people read."""

from datetime import datetime

import humanize
from airflow.sdk import dag, task


@dag(
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["exports"],
    default_args={"owner": "ana@acme.com", "retries": 1},
)
def export_sizes():
    @task
    def size() -> str:
        return humanize.naturalsize(123456789)

    size()


export_sizes()
'''


TABULATE_DAG = (
    HUMANIZE_DAG.replace("import humanize", "import tabulate")
    .replace("humanize.naturalsize(123456789)", "tabulate.tabulate([[1, 2]])")
    .replace("export_sizes", "table_report")
)


PROD = """
[deploy.environments.prod]
namespace = "airflow"
kubernetes_version = "1.33"
image_repository = "registry.acme.com/airflow/dags"
dags = "baked"
"""


def user_env(home: Path) -> dict[str, str]:
    """A shell with Python 3.11, git and make, and neither dagyard's checkout nor uv."""
    python_bin = Path(sys.base_prefix) / "bin"
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    return {
        **keep,
        "HOME": str(home),
        "PATH": os.pathsep.join([str(python_bin), "/usr/bin", "/bin"]),
        "GIT_AUTHOR_NAME": "Ana",
        "GIT_AUTHOR_EMAIL": "ana@acme.com",
        "GIT_COMMITTER_NAME": "Ana",
        "GIT_COMMITTER_EMAIL": "ana@acme.com",
        "COLUMNS": "200",
        "TERM": "dumb",
    }


def sh(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 900):
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{cmd}:\n{done.stdout}\n{done.stderr}"
    return done


class MakeDev:
    """`make dev` in a repository, in its own process group (Ctrl-C reaches all of it)."""

    def __init__(self, repo: Path, env: dict[str, str]):
        self.output = repo.parent / f"make-dev-{time.monotonic_ns()}.out"
        with self.output.open("w") as sink:
            self.process = subprocess.Popen(
                ["make", "dev"],
                cwd=repo,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_for(self, needle: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.text():
                return self.text()
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"{needle!r} not in make dev output:\n{self.text()}")

    def ctrl_c(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def dag_ids(repo: Path, port: int) -> set[str]:
    token = subprocess.run(
        [str(repo / ".venv" / "bin" / "dagyard"), "dev", "token"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    response = httpx.get(
        f"http://127.0.0.1:{port}/api/v2/dags",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    return {dag["dag_id"] for dag in response.json()["dags"]}


def freeze(repo: Path) -> str:
    python = str(repo / ".venv" / "bin" / "python")
    done = subprocess.run(
        [UV, "pip", "freeze", "--python", python], capture_output=True, text=True, check=True
    )
    return done.stdout


def test_first_day_from_the_wheel_to_a_second_clone(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = user_env(home)

    # the platform team: a wheel, installed where no dagyard source is
    dist = tmp_path / "dist"
    sh([UV, "build", "--wheel", "--out-dir", str(dist), str(REPO)], REPO, os.environ)
    (wheel,) = dist.glob("dagyard-*.whl")
    tools = tmp_path / "tools"
    sh(
        [UV, "venv", "--quiet", "--python", sys.base_prefix + "/bin/python3.11", str(tools)],
        tmp_path,
        os.environ,
    )
    sh(
        [UV, "pip", "install", "--quiet", "--python", str(tools / "bin" / "python"), str(wheel)],
        tmp_path,
        os.environ,
    )
    version = sh([str(tools / "bin" / "dagyard"), "--version"], home, env).stdout
    assert version.startswith("dagyard 0.1.0 (Apache Airflow 3.3.2)")

    # dagyard init ~/acme-dags, from that installation
    created = sh(
        [
            str(tools / "bin" / "dagyard"),
            "init",
            "acme-dags",
            "--org",
            "acme",
            "--email-domain",
            "acme.com",
        ],
        home,
        env,
    )
    repo = home / "acme-dags"
    assert created.stdout.strip().splitlines()[-1] == "next: cd acme-dags && make dev"
    pyproject = tomllib.loads((repo / "pyproject.toml").read_text())
    assert pyproject["tool"]["uv"]["sources"]["dagyard"] == {"path": str(wheel)}
    port = free_port()
    toml = repo / "dagyard.toml"
    toml.write_text(toml.read_text().replace("port = 8080", f"port = {port}"))
    sh(["git", "add", "-A"], repo, env)
    sh(["git", "commit", "-q", "-m", "New DAG repository"], repo, env)

    # make dev: uv bootstrapped, the lock installed, Airflow ready with the example DAG
    dev = MakeDev(repo, env)
    try:
        text = dev.wait_for("Airflow is ready", timeout=900)
        assert "installing uv" in text
        assert "hello_dagyard" in text
        assert "hello_dagyard" in dag_ids(repo, port)

        # a DAG that needs a package the repository does not have yet
        (repo / "dags" / "_development" / "export_sizes.py").write_text(HUMANIZE_DAG)
        dev.wait_for("No module named 'humanize'", timeout=60)
        assert "`dagyard deps add humanize`" in dev.text()
        added = sh([str(repo / ".venv" / "bin" / "dagyard"), "deps", "add", "humanize"], repo, env)
        assert "humanize" in added.stdout
        # picked up without saving the DAG file again
        dev.wait_for("export_sizes.py → export_sizes (1 task)", timeout=120)
        deadline = time.monotonic() + 60
        while "export_sizes" not in dag_ids(repo, port) and time.monotonic() < deadline:
            time.sleep(1)
        assert "export_sizes" in dag_ids(repo, port)
    finally:
        dev.ctrl_c()
    assert "nothing left running" in dev.text()

    # make dev again: the declared package is still installed, the DAG loads at start-up
    sh(["git", "add", "-A"], repo, env)
    sh(["git", "commit", "-q", "-m", "Export sizes, with humanize"], repo, env)
    dev = MakeDev(repo, env)
    try:
        text = dev.wait_for("Airflow is ready", timeout=300)
        assert "✗" not in text, text
        assert {"hello_dagyard", "export_sizes"} <= dag_ids(repo, port)

        # a colleague's clone: the same versions, and make test passes there
        clone = home / "colleague" / "acme-dags"
        sh(["git", "clone", "-q", str(repo), str(clone)], home, env)
        sh(["make", "install"], clone, env)
        assert freeze(clone) == freeze(repo)
        assert "humanize==" in freeze(clone)
        tested = sh(["make", "test"], clone, env)
        assert "All good" in tested.stdout and "passed" in tested.stdout

        # the colleague adds a package and a DAG; pulling it into the running environment
        # installs the new lock without a restart
        sh([str(clone / ".venv" / "bin" / "dagyard"), "deps", "add", "tabulate"], clone, env)
        (clone / "dags" / "_development" / "table_report.py").write_text(TABULATE_DAG)
        sh(["git", "add", "-A"], clone, env)
        sh(["git", "commit", "-q", "-m", "A table report"], clone, env)
        sh(["git", "pull", "-q", "--ff-only", str(clone), "HEAD"], repo, env)
        dev.wait_for("uv.lock changed: installing the locked packages into .venv", timeout=60)
        deadline = time.monotonic() + 120
        while "table_report" not in dag_ids(repo, port) and time.monotonic() < deadline:
            time.sleep(1)
        assert "table_report" in dag_ids(repo, port), dev.text()
    finally:
        dev.ctrl_c()

    # the production image gets the same dagyard: the wheel the repository was created from
    with toml.open("a") as settings:
        settings.write(PROD)
    rendered = sh([str(repo / ".venv" / "bin" / "dagyard"), "deploy", "render"], repo, env)
    assert "dagyard-wheel/" + wheel.name in rendered.stdout
    assert (repo / "deploy" / "prod" / "image" / "dagyard-wheel" / wheel.name).is_file()
