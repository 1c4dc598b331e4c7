"""`dagyard status`: is the platform healthy? One screen for the platform team, or JSON.

Exit codes: 0 every component is healthy (import errors and failed tasks may still be listed);
1 something is unhealthy: a component, a scheduler / DAG processor / triggerer that stopped
sending heartbeats, a late alerter, or a part that could not be read (Airflow unreachable, token
refused, database unreadable); 2 usage or configuration error.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import psutil
import typer
from rich.markup import escape
from rich.table import Table

from dagyard import status as gathering
from dagyard.airflow_env import LocalOptions, local_env
from dagyard.cli._common import (
    EXIT_FAILED,
    ProjectOption,
    console,
    open_project,
    parse_duration,
    require_postgres_url,
)
from dagyard.cli._target import UrlOption, airflow_target
from dagyard.config import Config
from dagyard.workspace import RunningState, Workspace

MARKS = {"healthy": "[green]✔[/]", "unhealthy": "[red]✗[/]"}


def status_command(
    project: ProjectOption = None,
    airflow_url: UrlOption = None,
    window: Annotated[
        str, typer.Option("--window", help="How far back to count failed tasks, e.g. 24h, 7d.")
    ] = "24h",
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Metadata DB URL to measure (default: the running `dagyard dev`'s database; "
            "not read for another Airflow unless given).",
        ),
    ] = None,
    no_db: Annotated[
        bool, typer.Option("--no-db", help="Do not measure the metadata database (faster).")
    ] = False,
    state_file: Annotated[
        Path | None,
        typer.Option(
            "--state-file", help="The alerter's state file (default: \\[alerts] state_file)."
        ),
    ] = None,
    alerter_late: Annotated[
        str,
        typer.Option("--alerter-late", help="The alerter is late after this long without success."),
    ] = "30m",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Show the platform's health: components, DAGs, failures by team, pools, alerter, DB.

    Exits 1 when something is unhealthy, so it can run from cron or a monitoring probe.
    """
    window_seconds = parse_duration(window, "--window")
    late_seconds = parse_duration(alerter_late, "--alerter-late")
    config = open_project(project)
    require_postgres_url(db)
    target = airflow_target(config, airflow_url, "look at", silent_if_down=True)
    database_env, where = (None, "") if no_db else _database(config, target.local, db)
    waiting = console.status(f"Reading Airflow at {target.url}")
    with contextlib.nullcontext() if as_json else waiting:
        result = gathering.gather(
            config,
            target.url,
            target.token,
            window=timedelta(seconds=window_seconds),
            local=_local(target.local),
            alerter_file=state_file or config.expand(config.alerts.state_file),
            alerter_late=timedelta(seconds=late_seconds),
            database_env=database_env,
            database_where=where,
        )
    if as_json:
        print(json.dumps(gathering.as_dict(result), indent=2))
    else:
        _render(result, window, no_db)
    if not result.healthy:
        raise typer.Exit(EXIT_FAILED)


def _local(running: RunningState | None) -> gathering.LocalSession | None:
    """The `dagyard dev` being looked at (when the URL is the one it serves)."""
    if running is None:
        return None
    try:
        started = datetime.fromtimestamp(psutil.Process(running.pid).create_time(), UTC)
    except psutil.NoSuchProcess:
        return None
    names = frozenset(running.components) if running.components is not None else None
    return gathering.LocalSession(started, names)


def _database(
    config: Config, running: RunningState | None, db: str | None
) -> tuple[dict[str, str] | None, str]:
    """Airflow settings to read the metadata DB with, and how to name it; None: not read."""
    workspace = Workspace(config.root)
    url = db or (running.db_url if running is not None else None)
    if url is None and (running is None or not workspace.db_file.exists()):
        return None, ""
    where = _without_password(url) if url else str(workspace.db_file)
    options = LocalOptions(api_port=0, execution_api_port=0, db_url=url)
    return local_env(config, workspace, options), where


def _without_password(url: str) -> str:
    head, sep, tail = url.rpartition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, credentials = head.partition("//")
    return f"{scheme}//{credentials.split(':', 1)[0]}:***@{tail}"


# --- rendering ------------------------------------------------------------------------------


def _render(result: gathering.Status, window: str, no_db: bool) -> None:
    console.print(
        f"[bold]Airflow at {escape(result.airflow_url)}[/]  [dim]checked {result.checked_at}[/]"
    )
    _components(result)
    _dags(result)
    _failures(result, window)
    _work(result)
    _alerter(result.alerter)
    _database_section(result.database, no_db)
    console.print("\n[bold]Not visible through the API[/]")
    for sentence in result.not_visible:
        console.print(f"  [dim]•[/] {escape(sentence)}")
    console.print()
    if result.healthy:
        console.print("[green]✔[/] Healthy.")
    else:
        console.print(f"[red]✗[/] {len(result.problems)} problem(s):")
        for problem in result.problems:
            console.print(f"  [red]•[/] {escape(problem)}")


def _components(result: gathering.Status) -> None:
    if not result.components:
        return
    table = Table(title="Components", title_justify="left")
    for column in ("", "component", "status", "last heartbeat", "ago"):
        table.add_column(column)
    for component in result.components:
        mark = MARKS.get(component.status, "[dim]–[/]")
        table.add_row(
            mark,
            component.name.replace("_", " "),
            component.status + (f" [dim]({escape(component.note)})[/]" if component.note else ""),
            (component.latest_heartbeat or "")[:19].replace("T", " "),
            gathering.ago(component.seconds_ago) if component.seconds_ago is not None else "",
        )
    console.print(table)
    if result.jobs:
        jobs = Table(title="Running jobs (every scheduler, DAG processor, triggerer)")
        jobs.title_justify = "left"
        for column in ("", "component", "job", "host", "started", "last heartbeat"):
            jobs.add_column(column)
        for job in result.jobs:
            mark = "[green]✔[/]" if job.alive else ("[dim]–[/]" if job.leftover else "[red]✗[/]")
            note = " [dim](an earlier dagyard dev's, not counted)[/]" if job.leftover else ""
            jobs.add_row(
                mark,
                job.component.replace("_", " "),
                str(job.id),
                escape(job.hostname or ""),
                (job.start_date or "")[:19].replace("T", " "),
                gathering.ago(job.seconds_ago) + note,
            )
        console.print(jobs)


def _dags(result: gathering.Status) -> None:
    dags = result.dags
    if dags is None:
        return
    console.print(
        f"\n[bold]DAGs[/]: {dags.active} active ({dags.unpaused} unpaused, {dags.paused} "
        f"paused); {dags.files_with_import_errors} file(s) with import errors"
    )
    if result.import_errors:
        table = Table(title="Import errors by team and owner", title_justify="left")
        for column in ("team", "owner", "file", "error"):
            table.add_column(column)
        for entry in result.import_errors:
            table.add_row(
                escape(entry.team), escape(entry.owner), escape(entry.file), escape(entry.error)
            )
        console.print(table)


def _failures(result: gathering.Status, window: str) -> None:
    if result.dags is None:
        return
    total = sum(g.failures for g in result.failures)
    console.print(f"\n[bold]Failed tasks in the last {escape(window)}[/]: {total}")
    if result.failures:
        table = Table(title_justify="left")
        for column in ("team", "owner", "failures", "DAGs"):
            table.add_column(column, justify="right" if column == "failures" else "left")
        for group in result.failures:
            dags = ", ".join(f"{d} ({n})" for d, n in group.dags.items())
            table.add_row(
                escape(group.team), escape(group.owner), str(group.failures), escape(dags)
            )
        console.print(table)


def _work(result: gathering.Status) -> None:
    if not result.task_instances:
        return
    counts = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in result.task_instances.items())
    console.print(f"\n[bold]Task instances now[/]: {counts}")
    table = Table(title="Pools", title_justify="left")
    for column in ("pool", "slots", "used", "running", "queued", "deferred", "open"):
        table.add_column(column, justify="left" if column == "pool" else "right")
    for pool in result.pools:
        table.add_row(
            escape(pool.name),
            str(pool.slots),
            str(pool.occupied),
            str(pool.running),
            str(pool.queued),
            str(pool.deferred),
            str(pool.open),
        )
    console.print(table)


def _alerter(alerter: gathering.Alerter | None) -> None:
    console.print("\n[bold]Alerter[/]")
    if alerter is None:
        console.print("  no state file configured (\\[alerts] state_file)")
        return
    if not alerter.found:
        console.print(
            f"  no state file at {escape(alerter.state_file)}: the alerter has not run here. "
            "Where it runs elsewhere, pass --state-file, or watch its statsd metrics "
            "(dagyard.alerter.last_success)."
        )
        return
    mark = "[red]✗ late[/]" if alerter.late else "[green]✔ on time[/]"
    outcome = {True: "ok", False: "failed", None: "unknown"}[alerter.last_cycle_ok]
    since = gathering.ago(alerter.seconds_since_success) if alerter.last_success else "never"
    console.print(
        f"  {mark} · last cycle {alerter.last_cycle or 'never'} ({outcome}) · last success "
        f"{since} · {alerter.pending} failure(s) waiting to be announced"
    )


def _database_section(database: gathering.Database | None, skipped: bool) -> None:
    console.print("\n[bold]Metadata database[/]")
    if skipped:
        console.print("  not measured (--no-db)")
        return
    if database is None:
        console.print(
            "  not read: the REST API does not expose it; pass --db URL to measure it "
            "(read with Airflow's own clean-up code)"
        )
        return
    size = f"{database.size_bytes / 1e6:,.1f} MB" if database.size_bytes is not None else "unknown"
    console.print(f"  {escape(database.where)} · size {size}")
    table = Table(
        title=f"History tables (retention {database.retention_days} days, see \\[cleanup])",
        title_justify="left",
    )
    for column in ("table", "rows", "oldest row", "`db clean` would remove"):
        table.add_column(column, justify="left" if column in ("table", "oldest row") else "right")
    for item in database.tables:
        if item.rows:
            table.add_row(
                item.table,
                f"{item.rows:,}",
                (item.oldest or "")[:19],
                f"{item.removable:,}" if item.removable is not None else "",
            )
    console.print(table)
    if database.archives:
        console.print(
            f"  [yellow]{len(database.archives)} archive table(s) left by an earlier clean-up[/]:"
            " `airflow db drop-archived` removes them."
        )
