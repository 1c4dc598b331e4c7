"""`dagyard dev`: a native local Airflow 3 with one-second feedback; `dagyard dev token`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from watchfiles import Change, watch

from dagyard.cli._common import (
    EXIT_USAGE,
    ProjectOption,
    console,
    err_console,
    fail,
    open_project,
    relative,
)
from dagyard.dev.client import LocalApi
from dagyard.dev.session import (
    DevError,
    DevOptions,
    DevSession,
    Shutdown,
    divert_output,
    install_stop_handlers,
    read_running_state,
)
from dagyard.dev.watcher import DagFileWatcher, FileEvent
from dagyard.workspace import Workspace

app = typer.Typer(help="Run Airflow on this laptop, and talk to the running one.")


@app.callback(invoke_without_command=True)
def dev_command(
    ctx: typer.Context,
    project: ProjectOption = None,
    port: Annotated[int | None, typer.Option(help="Port of the UI and API (default 8080).")] = None,
    all_folders: Annotated[
        bool, typer.Option("--all", help="Parse every DAG folder, not only the development ones.")
    ] = False,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Metadata DB URL, e.g. postgresql://localhost/airflow."),
    ] = None,
    reset: Annotated[
        bool, typer.Option("--reset", help="Start from an empty database (keeps your secrets).")
    ] = False,
) -> None:
    """Start Airflow (API + UI, scheduler, DAG processor) and re-parse DAG files on save.

    Runs in the foreground; Ctrl-C stops every process it started.
    """
    if ctx.invoked_subcommand is not None:
        return
    config = open_project(project)
    if db and not db.startswith(("postgresql://", "postgres://", "postgresql+psycopg2://")):
        fail(
            f"--db must be a PostgreSQL URL, got {db!r}",
            "example: postgresql://localhost/airflow",
            code=EXIT_USAGE,
        )
    options = DevOptions(
        port=port or config.dev.port, parse_all=all_folders, db_url=db, reset=reset
    )
    started = time.monotonic()
    session = DevSession(
        config, options, say=lambda text: console.print(f"[dim]•[/] {escape(text)}")
    )
    console.file, err_console.file = divert_output(session.log_dir / "dagyard.log")
    install_stop_handlers()
    try:
        state = session.prepare()
        console.print(f"[dim]•[/] Metadata database {state.value}")
        session.start()
        with console.status("Starting Airflow") as status:
            dags = session.wait_until_ready(lambda text: status.update(text))
        session.publish()
        _print_ready(session, dags, time.monotonic() - started)
        _watch(session)
    except DevError as error:
        session.stop()
        fail(str(error))
    except (KeyboardInterrupt, Shutdown):
        pass
    except BaseException:
        session.stop()
        err_console.print(f"[bold red]error:[/] dagyard dev crashed; details in {session.log_dir}")
        raise
    console.print("[dim]•[/] Stopping Airflow")
    killed = session.stop()
    note = f" ({len(killed)} process(es) had to be killed)" if killed else ""
    console.print(f"[green]✔[/] Stopped; nothing left running{note}.")


def _print_ready(session: DevSession, dags: list[dict], seconds: float) -> None:
    root = session.config.root
    folders = ", ".join(relative(b.path, root) for b in session.bundles)
    names = ", ".join(sorted(d["dag_id"] for d in dags)) or "none yet"
    console.print(f"[green]✔[/] {len(dags)} DAG(s) from {folders}: {names}")
    assert session.api is not None
    for error in session.api.import_errors():
        last_line = error["stack_trace"].strip().splitlines()[-1]
        console.print(f"[red]✗[/] {escape(error['filename'])}: {escape(last_line)}")
    console.print(
        f"[bold green]Airflow is ready in {seconds:.1f} s[/] → [bold]{session.url}[/]  "
        "(no login needed on this laptop) · edit files in "
        f"{folders} and save · Ctrl-C to stop"
    )


def _report(root: Path) -> callable:
    def report(event: FileEvent) -> None:
        name = relative(event.path, root)
        if event.change == Change.deleted:
            console.print(f"[yellow]−[/] {name} removed")
            return
        result = event.result
        assert result is not None
        if result.ok:
            dags = ", ".join(f"{d.dag_id} ({d.task_count} tasks)" for d in result.dags) or "no DAG"
            console.print(f"[green]✓[/] {name} → {dags}  [dim]{result.seconds:.2f} s[/]")
            return
        for error in result.errors:
            where = relative(error.file, root) + (f":{error.line}" if error.line else "")
            console.print(f"[red]✗[/] {escape(where)}: {escape(error.message)}")
        console.print("  [dim]fix the file and save again; Airflow keeps the last good version[/]")

    return report


def _watch(session: DevSession) -> None:
    assert session.api is not None
    watcher = DagFileWatcher(
        session.bundles,
        session.config.dags_path,
        session.api,
        session.workspace.keys().secret_key,
        _report(session.config.root),
        session.config.root,
    )
    for changes in watch(
        *watcher.watched_paths(),
        debounce=50,
        step=20,
        rust_timeout=500,
        yield_on_timeout=True,
    ):
        session.raise_if_exited()
        if changes:
            watcher.handle(changes)


@app.command("token")
def token_command(project: ProjectOption = None) -> None:
    """Print a bearer token for the running environment (use it as `Authorization: Bearer`)."""
    config = open_project(project)
    running = read_running_state(Workspace(config.root))
    if running is None:
        fail("no dagyard dev is running for this project", "start one with `dagyard dev`")
    api = LocalApi(running.url)
    try:
        print(api.token())
    finally:
        api.close()
