"""`dagyard audit`: who triggered, cleared, paused or changed what, from Airflow's audit log."""

from __future__ import annotations

import json
import os
from typing import Annotated

import httpx
import typer

from dagyard.cli._common import (
    EXIT_USAGE,
    PASSWORD_VARIABLE,
    USER_VARIABLE,
    ProjectOption,
    console,
    fail,
    fail_with,
    open_project,
)
from dagyard.dev.client import LocalApi
from dagyard.security import audit, rbac, rbac_sync
from dagyard.workspace import Workspace, read_running_state


def audit_command(
    dag: Annotated[str | None, typer.Option("--dag", help="Only this DAG id.")] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Only what this person (login/e-mail) did.")
    ] = None,
    since: Annotated[
        str, typer.Option("--since", help="How far back: 30m, 12h, 7d, 2w or a date.")
    ] = "7d",
    event: Annotated[
        str | None, typer.Option("--event", help="Only this event, e.g. trigger_dag_run.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many entries.")] = 200,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="Airflow API server (default: the running `dagyard dev`, else \\[security] "
            "airflow_url).",
        ),
    ] = None,
    login: Annotated[
        str | None,
        typer.Option("--login", help=f"Account to log in with (or ${USER_VARIABLE})."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    project: ProjectOption = None,
) -> None:
    """Show Airflow's audit log: who triggered, cleared, paused or changed what, newest first."""
    config = open_project(project)
    try:
        after = audit.parse_since(since)
    except audit.AuditError as error:
        fail_with(error, code=EXIT_USAGE)
    running = read_running_state(Workspace(config.root))
    base_url = url or (running.url if running else None) or config.security.airflow_url
    if not base_url:
        fail(
            "which Airflow? no --url, no running `dagyard dev`, no airflow_url under [security]",
            "start `dagyard dev`, or pass --url https://airflow.example.com",
            code=EXIT_USAGE,
        )
    try:
        if running and base_url == running.url:
            local = LocalApi(base_url)
            token = local.token()
            local.close()
        else:
            username = login or os.environ.get(USER_VARIABLE) or typer.prompt("Airflow user")
            password = os.environ.get(PASSWORD_VARIABLE) or typer.prompt(
                f"Password of {username}", hide_input=True
            )
            token = rbac_sync.login(base_url, username, password)
        with audit.AuditLog(base_url, token) as log:
            events = audit.fetch_events(
                log, dag_id=dag, user=user, since=after, event=event, limit=limit
            )
    except (audit.AuditError, rbac.RbacError) as error:
        fail_with(error)
    except httpx.HTTPError as error:
        fail(
            f"could not read the audit log from {base_url}: {error}",
            "check the URL, and that the API server is running and reachable from here",
        )
    if as_json:
        for item in events:
            typer.echo(json.dumps({**item._asdict(), "when": item.when.isoformat()}))
        return
    if not events:
        console.print(f"No audit entries since {after:%Y-%m-%d %H:%M} UTC for these filters.")
        return
    for item in events:
        console.print(audit.format_event(item), markup=False, soft_wrap=True)
    console.print(f"[dim]{len(events)} entries since {after:%Y-%m-%d %H:%M} UTC, newest first.[/]")
