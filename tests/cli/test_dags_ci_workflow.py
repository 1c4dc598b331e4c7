"""The example repo's CI workflow, run as written: every `run:` step, in order, in bash.

The two `uses:` steps are what GitHub provides (a checkout with history, and uv with Python
3.11); the test provides the same: a git clone with two commits, and uv on PATH. dagyard itself
comes from a wheel built from this checkout (`UV_FIND_LINKS`), as it would from a package index.
Everything else — the install, `dagyard check --changed --format github`, the repo's tests — runs
exactly as the workflow file says, for a push event.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from support import REPO, SMALL_DAG, copy_example_repo

pytestmark = pytest.mark.timeout(900)

WORKFLOW = REPO / "examples" / "dag-repo" / ".github" / "workflows" / "dags-ci.yml"
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


def run_steps(repo: Path, wheels: Path, tmp_path: Path) -> list[subprocess.CompletedProcess]:
    """Every `run:` step of the workflow for a push event, stopping at the first that fails."""
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["check"]["steps"]
    github_path = tmp_path / "github_path"
    github_path.write_text("")
    # what the runner has: uv and Python 3.11 (setup-uv), git, a shell
    python_bin = Path(sys.base_prefix) / "bin"
    base_path = os.pathsep.join([str(Path(UV).parent), str(python_bin), "/usr/bin", "/bin"])
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}},
        **GIT_IDENTITY,
        "GITHUB_PATH": str(github_path),
        "GITHUB_EVENT_NAME": "push",
        "UV_FIND_LINKS": str(wheels),
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


@pytest.fixture
def pushed_repo(tmp_path: Path) -> Path:
    repo = copy_example_repo(tmp_path / "repo")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start")
    return repo


def test_a_push_with_a_planted_mistake_fails_with_an_annotation(pushed_repo, wheels, tmp_path):
    planted = pushed_repo / "dags" / "data_mart" / "forgotten_owner.py"
    planted.write_text(SMALL_DAG.format(dag_id="forgotten_owner", owner="bob"))
    git(pushed_repo, "add", "-A")
    git(pushed_repo, "commit", "-q", "-m", "add a DAG")
    install, check = run_steps(pushed_repo, wheels, tmp_path)
    assert install.returncode == 0, install.stdout + install.stderr
    assert check.returncode == 1, check.stdout + check.stderr
    assert "::error file=dags/data_mart/forgotten_owner.py" in check.stdout
    assert "DY110" in check.stdout


def test_a_clean_push_passes_every_step(pushed_repo, wheels, tmp_path):
    helper = pushed_repo / "dags" / "common" / "defaults.py"
    helper.write_text(helper.read_text() + "\n\nREPORTS_SCHEMA = 'analytics'\n")
    git(pushed_repo, "commit", "-q", "-am", "a shared constant")
    results = run_steps(pushed_repo, wheels, tmp_path)
    assert [r.returncode for r in results] == [0, 0, 0], "\n".join(
        r.stdout + r.stderr for r in results
    )
    check, tests = results[1], results[2]
    assert "::error" not in check.stdout
    assert "passed" in tests.stdout
