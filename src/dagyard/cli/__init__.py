"""The `dagyard` command line: one command per job, plain errors, stable exit codes.

Exit codes: 0 success; 1 the job failed (a DAG run failed, findings at error severity, a
component died); 2 usage or configuration error; 130 interrupted before finishing.
"""

from __future__ import annotations

import typer

from dagyard.cli import alerts, dev, init, run
from dagyard.cli import audit as audit_cli
from dagyard.cli import check as check_cli
from dagyard.cli import db as db_cli
from dagyard.cli import deploy as deploy_cli
from dagyard.cli import deps as deps_cli
from dagyard.cli import rbac as rbac_cli
from dagyard.cli import secrets as secrets_cli

app = typer.Typer(
    name="dagyard",
    help="Build, test and run Apache Airflow 3 pipelines, safely and fast.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(dev.app, name="dev")
app.add_typer(deploy_cli.app, name="deploy")
app.add_typer(deps_cli.app, name="deps")
app.add_typer(alerts.app, name="alerts")
app.add_typer(db_cli.app, name="db")
app.command(name="init")(init.init_command)
app.command(name="check")(check_cli.check_command)
app.command(name="run")(run.run_command)
app.add_typer(secrets_cli.app, name="secrets")
app.add_typer(rbac_cli.app, name="rbac")
app.command(name="audit")(audit_cli.audit_command)


def main() -> None:
    """Entry point of the `dagyard` executable."""
    app()
