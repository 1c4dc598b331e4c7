"""The `dagyard` command line: one command per job, plain errors, stable exit codes.

Exit codes: 0 success; 1 the job failed (a DAG run failed, findings at error severity, a
component died); 2 usage or configuration error; 130 interrupted before finishing.

Only the module of the command being run is imported (`dagyard dev` does not pay for the
alerter's or the deployer's imports); `--help` and `from dagyard.cli import app` build them all.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import logging
import os
import sys
from typing import NoReturn

import typer

# name -> (module under dagyard.cli, attribute, kind): "group" is a Typer app, "command" a function
COMMANDS: dict[str, tuple[str, str, str]] = {
    "dev": ("dev", "app", "group"),
    "run": ("run", "run_command", "command"),
    "init": ("init", "init_command", "command"),
    "check": ("check", "check_command", "command"),
    "alerts": ("alerts", "app", "group"),
    "db": ("db", "app", "group"),
    "deploy": ("deploy", "app", "group"),
    "deps": ("deps", "app", "group"),
    "secrets": ("secrets", "app", "group"),
    "rbac": ("rbac", "app", "group"),
    "audit": ("audit", "audit_command", "command"),
    "status": ("status", "status_command", "command"),
    "migrate": ("migrate", "migrate_command", "command"),
    "pipelines": ("pipelines", "app", "group"),
}


def build_app(only: str | None = None) -> typer.Typer:
    """The Typer app with every command, or with just `only` (the one about to run)."""
    app = typer.Typer(
        name="dagyard",
        help="Build, test and run Apache Airflow 3 pipelines, safely and fast.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    # A callback keeps Typer in "group" mode even when a single command is registered.
    app.callback()(_root)
    for name, (module_name, attribute, kind) in COMMANDS.items():
        if only is not None and name != only:
            continue
        target = getattr(importlib.import_module(f"dagyard.cli.{module_name}"), attribute)
        if kind == "group":
            app.add_typer(target, name=name)
        else:
            app.command(name=name)(target)
    return app


def versions() -> str:
    """`dagyard X (Apache Airflow Y)`: the versions of this installation."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        airflow = version("apache-airflow")
    except PackageNotFoundError:
        airflow = "not installed"
    return f"dagyard {version('dagyard')} (Apache Airflow {airflow})"


def _print_version(value: bool) -> None:
    if value:
        print(versions())
        raise typer.Exit(0)


def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print dagyard's and Airflow's versions and exit.",
    ),
) -> None:
    """Build, test and run Apache Airflow 3 pipelines, safely and fast."""


def __getattr__(name: str) -> typer.Typer:
    if name == "app":
        return build_app()
    raise AttributeError(name)


def main() -> None:
    """Entry point of the `dagyard` executable."""
    # Registered before anything else, so it runs after every other exit handler.
    atexit.register(_leave_without_teardown)
    requested = sys.argv[1] if len(sys.argv) > 1 else None
    if requested == "--version":
        print(versions())
        exit_now(0)
    try:
        build_app(requested if requested in COMMANDS else None)()
    except SystemExit as done:
        exit_now(done.code)
    exit_now(0)


_exit_code: list[int] = []


def exit_now(code: int | str | None) -> NoReturn:
    """Exit with `code`: exit handlers run and output is flushed as usual, then the process
    leaves without the interpreter's teardown of every imported module (about a second once
    Airflow is imported)."""
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    _exit_code.append(code or 0)
    sys.exit(code or 0)


def _leave_without_teardown() -> None:
    """The last exit handler: flush and leave with the code `exit_now` was given."""
    if not _exit_code:
        return
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(_exit_code[-1])
