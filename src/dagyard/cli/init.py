"""`dagyard init DIR`: start a new DAG repository from the example one."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from dagyard.cli._common import EXIT_USAGE, console, fail

_SKIP = shutil.ignore_patterns(".dagyard", "__pycache__", "*.pyc", ".venv")


def example_repo() -> Path:
    """The example DAG repository shipped with dagyard."""
    packaged = Path(__file__).resolve().parents[1] / "_example_repo"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "examples" / "dag-repo"


def init_command(
    directory: Annotated[Path, typer.Argument(help="Folder for the new DAG repository.")],
) -> None:
    """Create a new DAG repository in DIRECTORY, ready for `dagyard dev`."""
    if directory.exists() and any(directory.iterdir()):
        fail(
            f"{directory} already exists and is not empty",
            "choose a new folder name; dagyard init never overwrites files",
            code=EXIT_USAGE,
        )
    source = example_repo()
    if not source.is_dir():
        fail(f"the example repository is missing from this installation ({source})")
    shutil.copytree(source, directory, ignore=_SKIP, dirs_exist_ok=True)
    console.print(f"[green]✔[/] Created a DAG repository in {directory}")
    console.print(f"  next: cd {directory} && dagyard dev")
