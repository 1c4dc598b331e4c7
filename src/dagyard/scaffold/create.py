"""`dagyard init`: render the template, lock it with uv, and make it a git repository."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

from dagyard.deploy.image import uv_binary
from dagyard.scaffold.render import RepoSettings, render
from dagyard.scaffold.source import ScaffoldError


class Created(NamedTuple):
    """A new repository: its files, whether it was locked and whether `git init` ran."""

    files: list[Path]
    locked: bool
    git: bool


def check_target(target: Path) -> None:
    """Refuse a target that is a file or a folder with anything in it."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(
            f"{target} already exists and is not empty",
            "choose a new folder name; dagyard init never overwrites files",
        )


def lock(target: Path) -> None:
    """Pin every package of the new repository in its `uv.lock` (`uv lock`)."""
    result = subprocess.run(
        [uv_binary(), "lock", "--project", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ScaffoldError(
            f"uv could not lock the new repository's packages:\n{result.stderr.strip()}",
            "the files are written; fix the cause (the network, the dagyard source in "
            f"pyproject.toml), then run `dagyard deps lock --project {target}`",
        )


def git_init(target: Path) -> bool:
    """`git init` the new repository (False when git is not installed)."""
    git = shutil.which("git")
    if git is None:
        return False
    subprocess.run([git, "init", "--quiet", str(target)], check=True, capture_output=True)
    return True


def create(target: Path, settings: RepoSettings, with_lock: bool = True) -> Created:
    """Write a new DAG repository into `target`, lock it, and `git init` it."""
    check_target(target)
    files = render(target, settings)
    git = git_init(target)
    if with_lock:
        lock(target)
    return Created(files, with_lock, git)
