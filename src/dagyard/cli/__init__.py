"""The `dagyard` command line: one command per job, plain errors, stable exit codes.

Exit codes: 0 success; 1 the job failed (a DAG run failed, findings at error severity, a
component died); 2 usage or configuration error; 130 interrupted before finishing.
"""

from __future__ import annotations

import typer

from dagyard.cli import dev, init

app = typer.Typer(
    name="dagyard",
    help="Build, test and run Apache Airflow 3 pipelines, safely and fast.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(dev.app, name="dev")
app.command(name="init")(init.init_command)


def main() -> None:
    """Entry point of the `dagyard` executable."""
    app()
