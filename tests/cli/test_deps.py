"""`dagyard deps add|remove|sync|lock` change the DAG repository's own lock and .venv.

A repository made by `dagyard init` and synced as `make dev` does; packages come from the
public index through uv, as on a laptop.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from support import DAGYARD, REPO

UV = str(REPO / ".tools" / "bin" / "uv")
pytestmark = pytest.mark.timeout(900)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(args), cwd=cwd, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL
    )


def has_module(repo: Path, module: str) -> bool:
    python = repo / ".venv" / "bin" / "python"
    return run(str(python), "-c", f"import {module}", cwd=repo).returncode == 0


def locked(repo: Path) -> dict[str, str]:
    data = tomllib.loads((repo / "uv.lock").read_text())
    return {p["name"]: p.get("version", "") for p in data["package"]}


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("deps") / "acme-dags"
    done = run(
        DAGYARD, "init", str(target), "--org", "acme", "--email-domain", "acme.com", cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    done = run(UV, "sync", "--frozen", "--quiet", cwd=target)
    assert done.returncode == 0, done.stderr
    return target


def test_add_declares_locks_and_installs_and_a_reinstall_keeps_it(repo):
    dagyard = str(repo / ".venv" / "bin" / "dagyard")
    done = run(dagyard, "deps", "add", "humanize", cwd=repo)
    assert done.returncode == 0, done.stderr
    version = locked(repo)["humanize"]
    assert f"humanize {version} (pyproject.toml, uv.lock)" in done.stdout
    assert (
        "humanize"
        in tomllib.loads((repo / "pyproject.toml").read_text())["project"]["dependencies"][-1]
    )
    assert has_module(repo, "humanize")
    # what `make dev` / CI run: the locked install keeps the declared package
    assert run(UV, "sync", "--frozen", "--quiet", cwd=repo).returncode == 0
    assert has_module(repo, "humanize")
    done = run(dagyard, "deps", "remove", "humanize", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "humanize" not in locked(repo)
    assert not has_module(repo, "humanize")


def test_sync_installs_what_a_pulled_lock_pins(repo, tmp_path):
    colleague = tmp_path / "colleague"
    shutil.copytree(repo, colleague, ignore=shutil.ignore_patterns(".venv", ".git"))
    done = run(UV, "add", "--no-sync", "humanize", cwd=colleague)
    assert done.returncode == 0, done.stderr
    before = {n: (repo / n).read_bytes() for n in ("pyproject.toml", "uv.lock")}
    try:
        for name in before:  # "git pull"
            shutil.copy(colleague / name, repo / name)
        assert not has_module(repo, "humanize")
        done = run(str(repo / ".venv" / "bin" / "dagyard"), "deps", "sync", cwd=repo)
        assert done.returncode == 0, done.stderr
        assert ".venv/ matches uv.lock" in done.stdout
        assert has_module(repo, "humanize")
    finally:
        for name, data in before.items():
            (repo / name).write_bytes(data)
        run(UV, "sync", "--frozen", "--quiet", cwd=repo)


def test_lock_refreshes_after_a_hand_edit(repo):
    pyproject = repo / "pyproject.toml"
    before = pyproject.read_text(), (repo / "uv.lock").read_text()
    pyproject.write_text(before[0].replace('"pytest>=8",', '"pytest>=8",\n    "humanize",'))
    try:
        done = run(str(repo / ".venv" / "bin" / "dagyard"), "deps", "lock", cwd=repo)
        assert done.returncode == 0, done.stderr
        assert "humanize" in locked(repo)
    finally:
        pyproject.write_text(before[0])
        (repo / "uv.lock").write_text(before[1])


@pytest.mark.parametrize(
    ("package", "expected"),
    [
        ("no such thing", "is not a package requirement; write it like pandas"),
        ("dagyard-no-such-package-zq", "uv could not add dagyard-no-such-package-zq"),
    ],
)
def test_a_package_that_cannot_be_added_changes_nothing(repo, package, expected):
    before = {n: (repo / n).read_bytes() for n in ("pyproject.toml", "uv.lock")}
    done = run(str(repo / ".venv" / "bin" / "dagyard"), "deps", "add", package, cwd=repo)
    assert done.returncode == 1
    assert expected in done.stderr
    assert "nothing was changed" in done.stderr or "write it like" in done.stderr
    assert "--frozen" not in done.stderr  # uv's own hints name flags dagyard has not
    assert {n: (repo / n).read_bytes() for n in before} == before


def test_run_from_another_environment_it_installs_into_the_repository_s(repo):
    """dagyard's own environment, pointed at the repository: its .venv gets the package."""
    done = run(DAGYARD, "deps", "add", "humanize", "--project", str(repo), cwd=REPO)
    try:
        assert done.returncode == 0, done.stderr
        assert has_module(repo, "humanize")
        own = run(sys.executable, "-c", "import humanize", cwd=REPO)
        assert own.returncode != 0, "dagyard's own environment must not change"
        assert "runs from another environment" in done.stdout
    finally:
        run(DAGYARD, "deps", "remove", "humanize", "--project", str(repo), cwd=REPO)
