"""`dagyard deps`: the one list of the DAGs' Python dependencies (pyproject.toml + uv.lock)."""

from __future__ import annotations

from typing import Annotated

import typer

from dagyard.cli._common import ProjectOption, console, fail, open_project
from dagyard.deploy.deps import add, lock
from dagyard.deploy.image import DeployError

app = typer.Typer(
    help="Declare the DAGs' Python dependencies once, for laptop, CI and image.",
    no_args_is_help=True,
)


@app.command("add")
def add_command(
    packages: Annotated[list[str], typer.Argument(help="Packages, e.g. pandas 'requests>=2'.")],
    install: Annotated[
        bool, typer.Option("--install/--no-install", help="Also install them here.")
    ] = True,
    project: ProjectOption = None,
) -> None:
    """Add PACKAGES to the DAG repo's pyproject.toml, re-lock, and install the locked versions."""
    config = open_project(project)
    try:
        with console.status("Resolving and locking"):
            added = add(config, packages, install=install)
    except DeployError as error:
        fail(str(error))
    for name, version in added.locked.items():
        console.print(f"[green]✔[/] {name} {version} (pyproject.toml, uv.lock)")
    where = "installed here; " if added.installed else ""
    console.print(
        f"next: {where}commit pyproject.toml and uv.lock; CI and the next "
        "`dagyard deploy render` use the same versions"
    )


@app.command("lock")
def lock_command(project: ProjectOption = None) -> None:
    """Create or refresh uv.lock from the DAG repo's pyproject.toml."""
    config = open_project(project)
    try:
        with console.status("Locking"):
            lock(config)
    except DeployError as error:
        fail(str(error))
    console.print("[green]✔[/] uv.lock is up to date; commit it")
