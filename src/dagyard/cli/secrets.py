"""`dagyard secrets`: local connections and variables, and pushing them to production."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from dagyard.cli._common import EXIT_USAGE, ProjectOption, console, fail, fail_with, open_project
from dagyard.security import secrets, secrets_push
from dagyard.workspace import Workspace

app = typer.Typer(
    help="Manage your local connections and variables (never committed), and push them.",
    no_args_is_help=True,
)

KindArgument = Annotated[str, typer.Argument(help="connection or variable", show_default=False)]
NameArgument = Annotated[str, typer.Argument(help="Connection id or variable key.")]

_KIND_WORDS = {
    "connection": "connection",
    "connections": "connection",
    "conn": "connection",
    "variable": "variable",
    "variables": "variable",
    "var": "variable",
}


def _kind(word: str) -> secrets.Kind:
    kind = _KIND_WORDS.get(word.lower())
    if kind is None:
        fail(
            f"{word!r} is not a kind of secret",
            "write `connection` or `variable`, like `dagyard secrets get connection my_db`",
            code=EXIT_USAGE,
        )
    return kind  # type: ignore[return-value]


def _workspace(project: Path | None) -> Workspace:
    return Workspace(open_project(project).root)


def _fail_on(error: secrets.SecretsError) -> NoReturn:
    fail_with(error)


def _read_value(kind: str, name: str) -> str:
    if sys.stdin.isatty():
        prompt = "Connection (URI or JSON)" if kind == "connection" else "Value"
        return typer.prompt(f"{prompt} for {name}", hide_input=True)
    return sys.stdin.read().rstrip("\n")


@app.command("set")
def set_command(
    kind: KindArgument,
    name: NameArgument,
    value: Annotated[
        str | None,
        typer.Argument(
            help="The value. Leave it out to type it hidden (or pipe it in): "
            "values on the command line end up in your shell history."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Variables: the value must be valid JSON.")
    ] = False,
    project: ProjectOption = None,
) -> None:
    """Add or replace a local connection or variable (checked before it is saved)."""
    checked_kind = _kind(kind)
    workspace = _workspace(project)
    text = value if value is not None else _read_value(checked_kind, name)
    try:
        secrets.check_name(checked_kind, name)
        stored = (
            secrets.parse_connection(name, text)
            if checked_kind == "connection"
            else secrets.parse_variable(name, text, as_json)
        )
        created = secrets.set_entry(workspace, secrets.Entry(checked_kind, name, stored))
    except secrets.SecretsError as error:
        _fail_on(error)
    verb = "Added" if created else "Replaced"
    console.print(
        f"{verb} local {checked_kind} [bold]{name}[/] "
        f"in {secrets.secrets_file(workspace, checked_kind).relative_to(workspace.root.parent)}"
    )
    console.print(
        "[dim]A running `dagyard dev` sees it at once; check it with "
        f"`dagyard secrets get {checked_kind} {name}`.[/]"
    )


@app.command("get")
def get_command(
    kind: KindArgument,
    name: NameArgument,
    show: Annotated[
        bool, typer.Option("--show", help="Print the value itself, password included.")
    ] = False,
    project: ProjectOption = None,
) -> None:
    """Show one local connection or variable (the password and values masked unless --show)."""
    checked_kind = _kind(kind)
    try:
        entry = secrets.get_entry(_workspace(project), checked_kind, name)
    except secrets.SecretsError as error:
        _fail_on(error)
    text = secrets.describe(entry, show=show)
    if show:
        typer.echo(text)
    else:
        console.print(f"{checked_kind} {name}: {text}", markup=False)
        console.print("[dim]Add --show to print the value itself.[/]")


@app.command("list")
def list_command(
    kind: Annotated[
        str | None, typer.Argument(help="connection or variable (default: both)")
    ] = None,
    project: ProjectOption = None,
) -> None:
    """List the names of your local connections and variables (never their values)."""
    kinds = (_kind(kind),) if kind else secrets.KINDS
    try:
        entries = secrets.list_entries(_workspace(project), kinds)
    except secrets.SecretsError as error:
        _fail_on(error)
    if not entries:
        console.print(
            "No local connections or variables yet. Add one with "
            "`dagyard secrets set connection NAME`."
        )
        return
    for entry in entries:
        detail = f"  ({secrets.connection_type(entry.value)})" if entry.kind == "connection" else ""
        console.print(f"{entry.kind:<10}  {entry.name}{detail}", markup=False)


@app.command("rm")
def rm_command(kind: KindArgument, name: NameArgument, project: ProjectOption = None) -> None:
    """Delete a local connection or variable."""
    checked_kind = _kind(kind)
    try:
        secrets.remove_entry(_workspace(project), checked_kind, name)
    except secrets.SecretsError as error:
        _fail_on(error)
    console.print(f"Removed local {checked_kind} [bold]{name}[/]")


@app.command("push")
def push_command(
    kind: KindArgument,
    name: NameArgument,
    env: Annotated[
        str, typer.Option("--env", help="Target environment, from \\[deploy.environments].")
    ] = "prod",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would change; change nothing.")
    ] = False,
    project: ProjectOption = None,
) -> None:
    """Copy a local connection or variable to an environment's GCP Secret Manager."""
    checked_kind = _kind(kind)
    config = open_project(project)
    workspace = Workspace(config.root)
    try:
        entry = secrets.get_entry(workspace, checked_kind, name)
        result = secrets_push.push(config, env, entry, dry_run=dry_run)
    except secrets.SecretsError as error:
        _fail_on(error)
    messages = {
        "created": "Created",
        "updated": "Added a new version of",
        "unchanged": "Already up to date:",
    }
    prefix = "Would change: " if dry_run and result.action != "unchanged" else ""
    console.print(f"{prefix}{messages[result.action]} secret [bold]{result.secret}[/]")
    if result.action != "unchanged" and not dry_run:
        console.print(
            "[dim]Airflow in production reads it on next use; older versions stay in Secret "
            "Manager until you disable them.[/]"
        )
