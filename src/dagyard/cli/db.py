"""`dagyard db clean` (old history out of the metadata DB, dry run first) and `dagyard db status`.

Exit codes: 0 cleaned (or nothing to clean, or a dry run); 1 the clean-up failed or left
archive tables behind; 2 usage or configuration error, or not confirmed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from dagyard import maintenance
from dagyard.airflow_env import LocalOptions, local_env
from dagyard.cli._common import (
    EXIT_FAILED,
    EXIT_USAGE,
    ProjectOption,
    console,
    fail,
    fail_with,
    open_project,
)
from dagyard.config import Config
from dagyard.workspace import Workspace

app = typer.Typer(help="Look after Airflow's metadata database.")

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Metadata DB URL (default: this project's local database)."),
]


@app.command("clean")
def clean_command(
    project: ProjectOption = None,
    db: DbOption = None,
    days: Annotated[
        int | None,
        typer.Option(
            "--days", min=1, help="Keep this many days (default: retention_days in dagyard.toml)."
        ),
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", min=1, help="Rows per transaction.")
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option("--export", help="Save the removed rows as CSV files in this folder first."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would be removed.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove rows older than the retention: dry-run summary, confirmation, batches, report."""
    config = open_project(project)
    env = _env(config, db)
    cleanup = config.cleanup
    spec = {
        "cutoffs": maintenance.cutoffs(
            days or cleanup.retention_days, {} if days else cleanup.tables, maintenance.now_utc()
        ),
        "batch_size": batch_size or cleanup.batch_size,
    }
    if export is not None or cleanup.archive == "export":
        spec["export_dir"] = str((export or config.expand(cleanup.export_folder)).resolve())
    with console.status("Counting rows older than the retention (dry run)"):
        plan = maintenance.plan_from(_run(env, "plan", spec))
    _show_plan(plan)
    total = sum(p.rows for p in plan)
    if dry_run:
        console.print("Dry run: nothing was removed. Run without --dry-run to clean.")
        return
    if total == 0:
        console.print("[green]✔[/] Nothing to clean.")
        return
    if not yes:
        if not sys.stdin.isatty():
            fail(
                f"{total} rows would be removed, and there is nobody to confirm",
                "run again with --yes to confirm, or --dry-run to only look",
                code=EXIT_USAGE,
            )
        if not typer.confirm(f"Remove these {total} rows?", default=False):
            fail("nothing was removed (not confirmed)", code=EXIT_USAGE)
    with console.status(f"Removing {total} rows in batches of {spec['batch_size']}"):
        result = maintenance.result_from(_run(env, "clean", spec))
    _show_result(result)
    if result.archives_left:
        fail(
            f"archive tables were left behind: {', '.join(result.archives_left)}",
            "drop them with `airflow db drop-archived`, or export them with "
            "`airflow db export-archived`",
        )


@app.command("status")
def status_command(
    project: ProjectOption = None,
    db: DbOption = None,
) -> None:
    """Show the metadata DB's size, and the rows and oldest row of each history table."""
    config = open_project(project)
    with console.status("Reading the metadata database"):
        answer = _run(_env(config, db), "status", {})
    table = Table(title="Metadata database", title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("oldest row")
    for item in answer["tables"]:
        if item["rows"]:
            table.add_row(item["table"], f"{item['rows']:,}", (item["oldest"] or "")[:19])
    console.print(table)
    size = answer["size_bytes"]
    console.print(f"Size: {size / 1e6:,.1f} MB" if size is not None else "Size: unknown")
    if answer["archives"]:
        console.print(
            f"[yellow]{len(answer['archives'])} archive table(s) left by an earlier clean-up[/]: "
            "`airflow db drop-archived` removes them."
        )
    console.print(
        f"Next: `dagyard db clean --dry-run` shows what a {config.cleanup.retention_days}-day "
        "retention would remove."
    )


def _env(config: Config, db: str | None) -> dict[str, str]:
    workspace = Workspace(config.root)
    if db is None and not workspace.db_file.exists():
        fail(
            f"this project has no local metadata database yet ({workspace.db_file})",
            "start `dagyard dev` once, or pass --db postgresql://HOST/NAME",
            code=EXIT_USAGE,
        )
    options = LocalOptions(api_port=8080, execution_api_port=8081, db_url=db)
    return local_env(config, workspace, options)


def _run(env: dict[str, str], action: str, spec: dict) -> dict:
    try:
        return maintenance.run_worker(env, action, spec)
    except maintenance.CleanError as error:
        fail_with(error, EXIT_FAILED)


def _show_plan(plan: list[maintenance.TablePlan]) -> None:
    table = Table(title="Dry run: rows older than the retention", title_justify="left")
    table.add_column("table")
    table.add_column("older than")
    table.add_column("rows", justify="right")
    for item in plan:
        if item.rows:
            table.add_row(item.table, item.before[:16].replace("T", " "), f"{item.rows:,}")
    table.add_row("[bold]total[/]", "", f"[bold]{sum(p.rows for p in plan):,}[/]")
    console.print(table)


def _show_result(result: maintenance.CleanResult) -> None:
    table = Table(title="Removed", title_justify="left")
    table.add_column("table")
    table.add_column("rows removed", justify="right")
    table.add_column("seconds", justify="right")
    for item in result.tables:
        if item.removed or item.planned:
            table.add_row(item.table, f"{item.removed:,}", f"{item.seconds:.1f}")
    console.print(table)
    rate = result.removed / result.seconds if result.seconds else 0
    console.print(
        f"[green]✔[/] Removed {result.removed:,} rows in {result.seconds:.1f} s "
        f"({rate:,.0f} rows/s); longest deleting transaction {result.longest_delete:.2f} s "
        f"(longest of any kind {result.longest_transaction:.2f} s); no archive tables left."
        + (f" Exported {len(result.exported)} CSV file(s)." if result.exported else "")
    )
