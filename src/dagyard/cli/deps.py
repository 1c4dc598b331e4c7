"""`dagyard deps`: the one list of the DAGs' Python dependencies (pyproject.toml + uv.lock)."""

from __future__ import annotations

from typing import Annotated

import typer

from dagyard.cli._common import ProjectOption, console, fail_with, open_project, relative
from dagyard.config import Config
from dagyard.deploy import deps
from dagyard.deploy.image import DeployError

app = typer.Typer(
    help="Declare the DAGs' Python dependencies once, for laptop, CI and image.",
    no_args_is_help=True,
)

InstallOption = Annotated[
    bool,
    typer.Option("--install/--no-install", help="Also sync the repository's .venv."),
]


def _synced_note(config: Config) -> None:
    where = relative(deps.environment(config), config.root)
    console.print(f"[green]✔[/] {where}/ matches uv.lock")
    if deps.runs_elsewhere(config):
        console.print(
            f"  note: this dagyard runs from another environment; run the repository's own "
            f"({where}/bin/dagyard, or `make dev`) to use these packages"
        )


@app.command("add")
def add_command(
    packages: Annotated[list[str], typer.Argument(help="Packages, e.g. pandas 'requests>=2'.")],
    install: InstallOption = True,
    project: ProjectOption = None,
) -> None:
    """Add PACKAGES to pyproject.toml, re-lock, and install the locked versions in .venv."""
    config = open_project(project)
    try:
        with console.status("Resolving, locking and installing"):
            changed = deps.add(config, packages, install=install)
    except DeployError as error:
        fail_with(error)
    for name, version in changed.locked.items():
        console.print(f"[green]✔[/] {name} {version} (pyproject.toml, uv.lock)")
    if changed.synced:
        _synced_note(config)
    console.print(
        "next: commit pyproject.toml and uv.lock; a running `dagyard dev` picks the package "
        "up, and colleagues get it with `make dev` or `dagyard deps sync`"
    )


@app.command("remove")
def remove_command(
    packages: Annotated[list[str], typer.Argument(help="Package names to drop.")],
    install: InstallOption = True,
    project: ProjectOption = None,
) -> None:
    """Remove PACKAGES from pyproject.toml, re-lock, and uninstall them from .venv."""
    config = open_project(project)
    try:
        with console.status("Locking and syncing"):
            changed = deps.remove(config, packages, install=install)
    except DeployError as error:
        fail_with(error)
    for name in changed.locked:
        console.print(f"[green]✔[/] {name} removed (pyproject.toml, uv.lock)")
    if changed.synced:
        _synced_note(config)
    console.print("next: commit pyproject.toml and uv.lock")


@app.command("sync")
def sync_command(project: ProjectOption = None) -> None:
    """Make the repository's .venv exactly what uv.lock pins (after a pull, for example)."""
    config = open_project(project)
    try:
        with console.status("Installing the locked packages"):
            deps.sync(config)
    except DeployError as error:
        fail_with(error)
    _synced_note(config)


@app.command("lock")
def lock_command(project: ProjectOption = None) -> None:
    """Create or refresh uv.lock from the DAG repo's pyproject.toml."""
    config = open_project(project)
    try:
        with console.status("Locking"):
            deps.lock(config)
    except DeployError as error:
        fail_with(error)
    console.print("[green]✔[/] uv.lock is up to date; commit it")
