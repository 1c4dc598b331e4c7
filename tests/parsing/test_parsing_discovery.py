"""Changed-file discovery against real git repositories."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from dagyard.parsing.discovery import (
    GitError,
    changed_files,
    default_base,
    file_at,
    files_at,
    looks_like_dag_file,
)

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=root, env=GIT_ENV, capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "dags").mkdir(parents=True)
    (root / "dags" / "a.py").write_text("A = 1\n")
    (root / "dags" / "b.py").write_text("B = 1\n")
    (root / "dags" / "gone.py").write_text("G = 1\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "one")
    git(root, "checkout", "-q", "-b", "feature")
    return root.resolve()


def test_changed_against_default_branch_includes_committed_staged_unstaged_and_new(repo):
    (repo / "dags" / "a.py").write_text("A = 2\n")
    git(repo, "commit", "-q", "-am", "edit a")
    (repo / "dags" / "b.py").write_text("B = 2\n")
    (repo / "dags" / "new.py").write_text("N = 1\n")
    (repo / "dags" / "gone.py").unlink()
    changes = changed_files(repo)
    assert changes.base == default_base(repo)
    assert changes.changed == [
        repo / "dags" / "a.py",
        repo / "dags" / "b.py",
        repo / "dags" / "new.py",
    ]
    assert changes.deleted == [repo / "dags" / "gone.py"]


def test_staged_only(repo):
    (repo / "dags" / "a.py").write_text("A = 3\n")
    (repo / "dags" / "b.py").write_text("B = 3\n")
    git(repo, "add", "dags/a.py")
    changes = changed_files(repo, staged=True)
    assert changes.changed == [repo / "dags" / "a.py"]


def test_file_at_base(repo):
    base = default_base(repo)
    (repo / "dags" / "a.py").write_text("A = 9\n")
    assert file_at(repo, base, repo / "dags" / "a.py") == "A = 1\n"
    assert file_at(repo, base, repo / "dags" / "never.py") is None
    assert repo / "dags" / "gone.py" in files_at(repo, base, repo / "dags")


def test_unknown_ref_and_no_repo_are_git_errors(repo, tmp_path):
    with pytest.raises(GitError, match="does not exist"):
        changed_files(repo, base="no-such-ref")
    outside = tmp_path / "plain"
    outside.mkdir()
    with pytest.raises(GitError):
        changed_files(outside)


def test_safe_mode_heuristic():
    assert looks_like_dag_file(b"from airflow.sdk import DAG")
    assert looks_like_dag_file(b"import airflow  # produces an Asset")
    assert not looks_like_dag_file(b"from common.factory import make\nmake('x')")
