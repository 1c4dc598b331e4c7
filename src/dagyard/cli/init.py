"""`dagyard init DIR`: start a new DAG repository from the template shipped with dagyard."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from dagyard.cli._common import EXIT_USAGE, console, fail, fail_with, relative


def _ask(value: str | None, option: str, question: str, default: str | None) -> str:
    if value is not None:
        return value
    if default is not None and not sys.stdin.isatty():
        return default
    if not sys.stdin.isatty():
        fail(f"{option} is missing", f"pass {option} (no terminal to ask on)", code=EXIT_USAGE)
    return typer.prompt(question, default=default)


def init_command(
    directory: Annotated[Path, typer.Argument(help="Folder for the new DAG repository.")],
    org: Annotated[
        str | None,
        typer.Option(
            "--org",
            help='Organisation name as you write it, e.g. "Acme Data"; its slug (acme-data) '
            "names the package (default: from the folder's name).",
        ),
    ] = None,
    email_domain: Annotated[
        str | None,
        typer.Option("--email-domain", help="E-mail domain of DAG owners, e.g. acme.com."),
    ] = None,
    dagyard_from: Annotated[
        str | None,
        typer.Option(
            "--dagyard-from",
            help="Where the repository gets dagyard: a wheel, a folder of wheels, "
            "git+URL@tag or an index URL (default: where this dagyard was installed from).",
        ),
    ] = None,
    with_lock: Annotated[
        bool, typer.Option("--lock/--no-lock", help="Write uv.lock now (needs the index).")
    ] = True,
) -> None:
    """Create a new DAG repository in DIRECTORY: template, uv.lock, git; then `make dev`."""
    from dagyard.scaffold.create import check_target, create
    from dagyard.scaffold.org_name import default_org, org_name
    from dagyard.scaffold.render import RepoSettings, check_domain, package_name
    from dagyard.scaffold.source import ScaffoldError, installed_source, parse_source

    try:
        check_target(directory)
        source = parse_source(dagyard_from) if dagyard_from else installed_source()
        name = org_name(_ask(org, "--org", "Organisation name", default_org(directory)))
        domain = check_domain(_ask(email_domain, "--email-domain", "Owners' e-mail domain", None))
    except ScaffoldError as error:
        fail_with(error, code=EXIT_USAGE)
    try:
        with console.status("Writing the repository and locking its packages"):
            created = create(directory, RepoSettings(name, domain, source), with_lock=with_lock)
    except ScaffoldError as error:
        fail_with(error)
    where = relative(directory, Path.cwd())
    console.print(f"[green]✔[/] Created the {escape(name.display)} DAG repository in {where}")
    console.print(
        f"  organisation slug: {name.slug} (package {package_name(name)}, "
        "[project] name in dagyard.toml)",
        markup=False,
    )
    console.print(f"  dagyard from: {source.describe()}")
    if created.locked:
        console.print("  uv.lock pins Airflow, the DAGs' packages and dagyard")
    if created.git:
        console.print("  git repository initialised (nothing committed yet)")
    console.print(f"next: cd {where} && make dev")
