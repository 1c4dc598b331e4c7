"""The CI workflow of a repository made by `dagyard init`, run as written: every `run:` step.

The two `uses:` steps are what GitHub provides (a checkout with history, and uv with Python
3.11); the test provides the same: a git repository with two commits, and uv on PATH. The
repository was created with `--dagyard-from` a folder holding a wheel built from this checkout,
as a platform team publishes it. Nothing else tells uv where to look: the install, `dagyard check
--changed --format github` and the repo's tests run exactly as the workflow file says, for a push
event, and what lands in `.venv` is exactly what the repository's uv.lock pins.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from support import DAGYARD, REPO, SMALL_DAG

pytestmark = pytest.mark.timeout(900)

EXAMPLE_WORKFLOW = REPO / "examples" / "dag-repo" / ".github" / "workflows" / "dags-ci.yml"
UV = shutil.which("uv", path=str(REPO / ".tools" / "bin")) or shutil.which("uv")
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}
PUSH_EXPRESSION = re.compile(r"\$\{\{.*\|\|\s*'([^']*)'\s*\}\}")


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args],
        cwd=root,
        env={**os.environ, **GIT_IDENTITY},
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> Path:
    """A wheel of this dagyard checkout, where uv looks for packages besides the index."""
    target = tmp_path_factory.mktemp("wheels")
    subprocess.run(
        [UV, "build", "--wheel", "--out-dir", str(target), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return target


def run_steps(repo: Path, tmp_path: Path) -> list[subprocess.CompletedProcess]:
    """Every `run:` step of the workflow for a push event, stopping at the first that fails."""
    workflow = repo / ".github" / "workflows" / "dags-ci.yml"
    steps = yaml.safe_load(workflow.read_text())["jobs"]["check"]["steps"]
    github_path = tmp_path / "github_path"
    github_path.write_text("")
    # what the runner has: uv and Python 3.11 (setup-uv), git, a shell
    python_bin = Path(sys.base_prefix) / "bin"
    base_path = os.pathsep.join([str(Path(UV).parent), str(python_bin), "/usr/bin", "/bin"])
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in {"VIRTUAL_ENV", "PYTHONPATH"} and not k.startswith(("UV_", "PIP_"))
        },
        **GIT_IDENTITY,
        "GITHUB_PATH": str(github_path),
        "GITHUB_EVENT_NAME": "push",
        "UV_PYTHON": "3.11",
        "UV_PYTHON_DOWNLOADS": "never",
        "COLUMNS": "200",
    }
    done = []
    for step in steps:
        if "run" not in step:
            continue
        step_env = {
            name: PUSH_EXPRESSION.sub(lambda m: m.group(1), str(value))
            for name, value in (step.get("env") or {}).items()
        }
        added = [line for line in github_path.read_text().splitlines() if line]
        path = os.pathsep.join([*reversed(added), base_path])
        result = subprocess.run(
            ["bash", "-e", "-c", step["run"]],
            cwd=repo,
            env={**env, **step_env, "PATH": path},
            capture_output=True,
            text=True,
            timeout=600,
        )
        done.append(result)
        if result.returncode != 0:
            break
    return done


@pytest.fixture(scope="module")
def created_repo(wheels: Path, tmp_path_factory) -> Path:
    """A repository made by `dagyard init`, taking dagyard from the folder of wheels."""
    repo = tmp_path_factory.mktemp("created") / "acme-dags"
    done = subprocess.run(
        [
            DAGYARD,
            "init",
            str(repo),
            "--org",
            "acme",
            "--email-domain",
            "example.com",
            "--dagyard-from",
            str(wheels),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return repo


@pytest.fixture
def pushed_repo(created_repo: Path, tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(created_repo, repo, ignore=shutil.ignore_patterns(".git"))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start")
    return repo


def installed(repo: Path) -> dict[str, str]:
    """name -> version of every distribution in the repository's .venv."""
    from importlib import metadata

    from packaging.utils import canonicalize_name

    site = next((repo / ".venv" / "lib").glob("python3*/site-packages"))
    return {
        canonicalize_name(d.metadata["Name"]): d.version
        for d in metadata.distributions(path=[str(site)])
    }


def test_the_example_repository_runs_the_same_workflow_as_a_created_one(created_repo):
    created = created_repo / ".github" / "workflows" / "dags-ci.yml"
    assert EXAMPLE_WORKFLOW.read_text() == created.read_text()


def test_a_push_with_a_planted_mistake_fails_with_an_annotation(pushed_repo, tmp_path):
    planted = pushed_repo / "dags" / "_development" / "forgotten_owner.py"
    planted.write_text(SMALL_DAG.format(dag_id="forgotten_owner", owner="bob"))
    git(pushed_repo, "add", "-A")
    git(pushed_repo, "commit", "-q", "-m", "add a DAG")
    install, check = run_steps(pushed_repo, tmp_path)
    assert install.returncode == 0, install.stdout + install.stderr
    assert check.returncode == 1, check.stdout + check.stderr
    assert "::error file=dags/_development/forgotten_owner.py" in check.stdout
    assert "DY110" in check.stdout


def test_a_clean_push_passes_every_step_and_installs_only_the_lock(pushed_repo, tmp_path):
    helper = pushed_repo / "dags" / "common" / "greetings.py"
    helper.write_text(helper.read_text() + "\n\nREPORTS_SCHEMA = 'analytics'\n")
    git(pushed_repo, "commit", "-q", "-am", "a shared constant")
    results = run_steps(pushed_repo, tmp_path)
    assert [r.returncode for r in results] == [0, 0, 0], "\n".join(
        r.stdout + r.stderr for r in results
    )
    check, tests = results[1], results[2]
    assert "::error" not in check.stdout
    assert "passed" in tests.stdout
    lock = tomllib.loads((pushed_repo / "uv.lock").read_text())
    pinned = {p["name"]: p.get("version") for p in lock["package"]}
    venv = installed(pushed_repo)
    assert venv, "nothing installed"
    assert {name: pinned.get(name) for name in venv} == venv
    dagyard = next(p for p in lock["package"] if p["name"] == "dagyard")
    assert dagyard["source"] == {"registry": str(wheels_of(pushed_repo))}


def wheels_of(repo: Path) -> str:
    """The folder of wheels the repository's pyproject.toml names as dagyard's source."""
    pyproject = tomllib.loads((repo / "pyproject.toml").read_text())
    (index,) = pyproject["tool"]["uv"]["index"]
    assert pyproject["tool"]["uv"]["sources"]["dagyard"] == {"index": index["name"]}
    assert index["explicit"] is True and index["format"] == "flat"
    return index["url"]
