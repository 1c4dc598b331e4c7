"""What changed in git, and Airflow's "safe mode" test for a file's content.

`changed_files` asks git what changed against a base ref (by default the merge base with the
default branch), or what is staged for the next commit. Which files of the DAGs folder Airflow
parses is asked of Airflow itself (`dagyard._airflow.dag_discovery`).
"""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path
from typing import NamedTuple

from dagyard.errors import DagyardError

DAG_WORDS = (b"dag", b"asset")


class GitError(DagyardError):
    """git could not answer (not a repository, unknown ref, git missing)."""


class Changes(NamedTuple):
    """Files changed against a base: present ones, and deleted ones (with the base ref)."""

    base: str | None
    changed: list[Path]
    deleted: list[Path]


def looks_like_dag_file(content: bytes) -> bool:
    """Airflow's "safe mode" test: the file mentions both "airflow" and "dag" (or "asset")."""
    lowered = content.lower()
    return b"airflow" in lowered and any(word in lowered for word in DAG_WORDS)


def pipeline_files(dags_folder: Path) -> list[Path]:
    """Every pipeline file (`*.pipeline.yaml` / `*.pipeline.yml`) that no `.airflowignore`
    excludes: dagyard's importer has the DAG processor parse each of them."""
    from dagyard._airflow.dag_discovery import listed_files
    from dagyard.pipelines import is_pipeline_file

    if not dags_folder.is_dir():
        return []
    return [path for path in listed_files(dags_folder) if is_pipeline_file(path)]


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise GitError(
            f"git could not run: {error}", "install git, or name the files to check instead"
        ) from None
    if done.returncode != 0:
        raise GitError(done.stderr.strip() or f"git {' '.join(args)} failed")
    return done.stdout


def git_root(path: Path) -> Path:
    """The top folder of the git work tree that contains `path`."""
    return Path(_git(path, "rev-parse", "--show-toplevel").strip()).resolve()


def default_base(root: Path, branch: str | None = None) -> str:
    """The merge base of HEAD with the default branch (`origin/HEAD`, main or master)."""
    candidates = [branch] if branch else []
    with contextlib.suppress(GitError):
        candidates.append(_git(root, "symbolic-ref", "--short", "refs/remotes/origin/HEAD").strip())
    candidates += ["origin/main", "origin/master", "main", "master"]
    for ref in candidates:
        try:
            return _git(root, "merge-base", "HEAD", ref).strip()
        except GitError:
            continue
    raise GitError(
        "could not find the default branch (tried origin/HEAD, main, master); pass --base REF"
    )


def changed_files(root: Path, base: str | None = None, staged: bool = False) -> Changes:
    """Files changed against `base` (committed, staged, unstaged and new), or only staged ones."""
    top = git_root(root)
    if staged:
        lines = _git(top, "diff", "--cached", "--name-status", "--no-renames").splitlines()
        return _changes(top, "HEAD", lines)
    ref = base or default_base(top)
    try:
        _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except GitError:
        raise GitError(
            f"the git ref {ref!r} does not exist here",
            "fetch it first (`git fetch origin`), or pass a ref that exists with --base",
        ) from None
    lines = _git(top, "diff", "--name-status", "--no-renames", ref).splitlines()
    untracked = _git(top, "ls-files", "--others", "--exclude-standard").splitlines()
    lines += [f"A\t{name}" for name in untracked]
    return _changes(top, ref, lines)


def _changes(top: Path, ref: str, lines: list[str]) -> Changes:
    changed: list[Path] = []
    deleted: list[Path] = []
    for line in lines:
        status, _, name = line.partition("\t")
        if not name:
            continue
        path = top / name
        (deleted if status.startswith("D") else changed).append(path)
    return Changes(ref, sorted(set(changed)), sorted(set(deleted)))


def file_at(root: Path, ref: str, path: Path) -> str | None:
    """The text of `path` at git `ref`, or None when it did not exist there."""
    top = git_root(root)
    try:
        relative = path.resolve().relative_to(top).as_posix()
    except ValueError:
        return None
    try:
        return _git(top, "show", f"{ref}:{relative}")
    except GitError:
        return None


def files_at(root: Path, ref: str, folder: Path) -> list[Path]:
    """Paths of the `.py` files under `folder` at git `ref` (as they would be in the work tree)."""
    top = git_root(root)
    try:
        relative = folder.resolve().relative_to(top).as_posix()
    except ValueError:
        return []
    names = _git(top, "ls-tree", "-r", "--name-only", ref, "--", relative).splitlines()
    return [top / name for name in names if name.endswith(".py")]
