"""`dagyard dev`: a native local Airflow 3 with one-second feedback; and the commands for the
one already running (maybe in another terminal): `token`, `status`, `stop`, `logs`."""

from __future__ import annotations

import difflib
import time
from pathlib import Path
from typing import Annotated

import httpx
import psutil
import typer
from rich.markup import escape
from rich.table import Table
from watchfiles import Change, watch

from dagyard.cli._common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    ProjectOption,
    console,
    err_console,
    fail,
    fail_with,
    open_project,
    relative,
    require_postgres_url,
)
from dagyard.deploy import deps
from dagyard.deploy.image import DeployError
from dagyard.dev import control
from dagyard.dev.client import LocalApi
from dagyard.dev.dependencies import DependencyWatch, missing_module_files
from dagyard.dev.session import (
    DevError,
    DevOptions,
    DevSession,
    DevUsageError,
    Shutdown,
    divert_output,
    install_stop_handlers,
    read_running_state,
    stop_requested,
)
from dagyard.dev.watcher import DagFileWatcher, FileEvent
from dagyard.pipelines import is_pipeline_file
from dagyard.workspace import Workspace

app = typer.Typer(help="Run Airflow on this laptop, and talk to the running one.")


@app.callback(invoke_without_command=True)
def dev_command(
    ctx: typer.Context,
    project: ProjectOption = None,
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Port of the UI and API (default: \\[dev] port)."),
    ] = None,
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
    require_postgres_url(db)
    options = DevOptions(
        port=port or config.dev.port, parse_all=all_folders, db_url=db, reset=reset
    )
    started = time.monotonic()
    session = DevSession(
        config, options, say=lambda text: console.print(f"[dim]•[/] {escape(text)}")
    )
    console.file, err_console.file = divert_output(session.log_dir / "dagyard.log")
    install_stop_handlers()
    interrupted = False
    try:
        state = session.prepare()
        console.print(f"[dim]•[/] Metadata database {state.value}")
        session.start()
        with console.status("Starting Airflow") as status:
            dags = session.wait_until_ready(lambda text: status.update(text))
        session.publish()
        ready_at = time.time_ns()
        _print_ready(session, dags, time.monotonic() - started)
        _watch(session, saved_since=ready_at)
    except DevError as error:
        session.stop()
        fail_with(error, code=EXIT_USAGE if isinstance(error, DevUsageError) else EXIT_FAILED)
    except KeyboardInterrupt:
        interrupted = stop_requested() is None  # Ctrl-C, not `dagyard dev stop` (SIGTERM)
    except Shutdown:
        pass  # asked to stop (`dagyard dev stop`, SIGTERM): a normal end
    except BaseException:
        session.stop()
        err_console.print(f"[bold red]error:[/] dagyard dev crashed; details in {session.log_dir}")
        raise
    console.print("[dim]•[/] Stopping Airflow")
    killed = session.stop()
    note = f" ({len(killed)} process(es) had to be killed)" if killed else ""
    console.print(f"[green]✔[/] Stopped; nothing left running{note}.")
    if interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)


def _print_ready(session: DevSession, dags: list[dict], seconds: float) -> None:
    root = session.config.root
    folders = ", ".join(relative(b.path, root) for b in session.bundles)
    assert session.api is not None
    errors = session.api.import_errors()
    names = ", ".join(sorted(d["dag_id"] for d in dags))
    if dags:
        console.print(f"[green]✔[/] {len(dags)} DAG(s) from {folders}: {names}")
    else:
        why = (
            f"{len(errors)} file(s) there do not load (below)" if errors else "add a DAG file there"
        )
        console.print(f"[yellow]![/] no DAG yet in {folders}: {why}")
    _print_import_errors(session, errors)
    console.print(
        f"[bold green]Airflow is ready in {seconds:.1f} s[/] → [bold]{session.url}[/]  "
        "(no login needed on this laptop) · edit files in "
        f"{folders} and save · Ctrl-C to stop"
    )


def _print_import_errors(session: DevSession, errors: list[dict]) -> None:
    """The import errors Airflow found at start-up, a line per file with its line and the
    fix, like on save; each fix is said once."""
    from dagyard.parsing.failures import error_from_traceback

    root = session.config.root
    folders = {bundle.name: bundle.path for bundle in session.bundles}
    messages = []
    for error in sorted(errors, key=lambda e: (e.get("bundle_name") or "", e.get("filename"))):
        path = folders.get(error.get("bundle_name") or "", root) / (error.get("filename") or "")
        found = error_from_traceback(error.get("stack_trace") or "", path, root)
        where = _where(path, found.file, found.line, None, root)
        console.print(f"[red]✗[/] {escape(where)}: {escape(found.message)}")
        messages.append(found.message)
    if messages:
        _print_fixes(messages)


def _where(dag_file: Path, file: Path, line: int | None, column: int | None, root: Path) -> str:
    """`dags/x.py:12:5`; when the error is in a file the DAG file uses, both:
    `dags/x.py via common/helpers.py:3`."""
    where = relative(file, root) + (f":{line}" if line else "")
    where += f":{column}" if line and column else ""
    if Path(file).resolve() != Path(dag_file).resolve():
        where = f"{relative(dag_file, root)} via {where}"
    return where


def _print_fixes(messages: list[str], with_hints: bool = True) -> None:
    """The fixes for `messages`, each said once (one `dagyard deps add` for every missing
    package), then what Airflow does until the files load."""
    from dagyard.parsing.missing_module import deps_add_hint_for_all, missing_module
    from dagyard.rules.import_error import specific_hint

    if with_hints:
        others = [m for m in messages if missing_module(m) is None]
        hints = [deps_add_hint_for_all(messages), *map(specific_hint, others)]
        for hint in dict.fromkeys(hint for hint in hints if hint):
            console.print(f"  [dim]fix:[/] {escape(hint)}")
    files = "the file loads" if len(messages) == 1 else "a file loads"
    console.print(
        f"  [dim]until {files} again, Airflow hides its DAGs (they cannot be triggered); "
        "save a fix and they come back with their run history[/]"
    )


def _tasks(count: int, unit: str = "task") -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def _report(root: Path) -> callable:
    def report(event: FileEvent) -> None:
        name = relative(event.path, root)
        if event.change == Change.deleted:
            console.print(f"[yellow]−[/] {name} removed")
            return
        result = event.result
        assert result is not None
        if result.ok:
            unit = "step" if is_pipeline_file(event.path) else "task"
            dags = ", ".join(f"{d.dag_id} ({_tasks(d.task_count, unit)})" for d in result.dags)
            dags = dags or "no DAG"
            console.print(f"[green]✓[/] {name} → {dags}  [dim]{result.seconds:.2f} s[/]")
            return
        pipeline = [e for e in result.errors if e.kind == "pipeline"]
        for error in pipeline[:1] or result.errors:
            where = _where(event.path, error.file, error.line, error.column, root)
            console.print(f"[red]✗[/] {escape(where)}: {escape(error.message)}")
        if pipeline:
            console.print(f"  [dim]what to do:[/] {escape(pipeline[0].details)}")
        if len(pipeline) > 1:
            console.print(
                f"  [dim]and {len(pipeline) - 1} more; `dagyard check {escape(name)}` lists all[/]"
            )
        # a pipeline's own "what to do" is its fix
        _print_fixes([" ".join(e.message for e in result.errors)], with_hints=not pipeline)

    return report


def _watch(session: DevSession, saved_since: int) -> None:
    """Re-parse and report saved files until the session stops; saves made from `saved_since`
    (a `time.time_ns()`), before the file watcher ran, are handled with its first batch."""
    assert session.api is not None
    watcher = DagFileWatcher(
        session.bundles,
        session.config.dags_path,
        session.api,
        session.workspace.keys().secret_key,
        _report(session.config.root),
        session.config.root,
        session.config.templates_path,
    )
    warmed = False
    follow = DependencyWatch(session.config.root, deps.environment(session.config))
    for changes in watch(
        *watcher.watched_paths(),
        debounce=50,
        step=20,
        rust_timeout=500,
        yield_on_timeout=True,
    ):
        session.raise_if_exited()
        if not warmed:  # once watching: saves made meanwhile are kept and handled next
            warmed = True
            changes = set(changes) | set(watcher.saved_since(saved_since))
            _warm_up(watcher)
        if changes:
            watcher.handle(changes)
        changed = follow.changed()
        if changed:
            _follow_dependencies(session, watcher, follow, changed)


def _follow_dependencies(
    session: DevSession, watcher: DagFileWatcher, follow: DependencyWatch, changed
) -> None:
    """After uv.lock or the installed packages changed: sync a pulled lock, re-parse files
    that missed a module."""
    config = session.config
    if changed.lock and not deps.runs_elsewhere(config):
        console.print("[dim]•[/] uv.lock changed: installing the locked packages into .venv")
        try:
            deps.sync(config)
        except DeployError as error:
            err_console.print(f"[bold red]error:[/] {escape(str(error))}")
        follow.settle()
    assert session.api is not None
    files = missing_module_files(session.api.import_errors(), session.bundles)
    if files:
        console.print(
            f"[dim]•[/] packages changed: parsing {len(files)} file(s) that missed a module again"
        )
        watcher.handle((Change.modified, str(path)) for path in files)


def _warm_up(watcher: DagFileWatcher) -> None:
    try:
        watcher.warm_up()
    except Shutdown:
        raise
    except Exception as error:  # only slower: each saved pipeline then imports what it needs
        err_console.print(f"[yellow]![/] pipelines load slower this session: {escape(str(error))}")


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


@app.command("status")
def status_command(project: ProjectOption = None) -> None:
    """Show the `dagyard dev` running for this project (e.g. in another terminal).

    Exits 1 when none is running, or when a component or the API is down.
    """
    config = open_project(project)
    workspace = Workspace(config.root)
    running = read_running_state(workspace)
    if running is None:
        console.print("No dagyard dev is running for this project.")
        console.print(f"[dim]Start one with `dagyard dev` in {escape(str(config.root))}.[/]")
        raise typer.Exit(EXIT_FAILED)
    since = psutil.Process(running.pid).create_time()
    minutes = (time.time() - since) / 60
    console.print(
        f"[green]●[/] dagyard dev is running → [bold]{running.url}[/]  "
        f"[dim](pid {running.pid}, for {minutes:.0f} min, database "
        f"{escape(running.db_url or str(workspace.db_file))})[/]"
    )
    states = control.component_states(workspace, running)
    table = Table(title="Components", title_justify="left")
    for column in ("component", "pid", "state", "memory (PSS)", "log"):
        table.add_column(column, justify="left" if column in ("component", "log") else "right")
    for state in states:
        table.add_row(
            state.name,
            str(state.pid),
            "[green]running[/]" if state.running else "[red]stopped[/]",
            f"{state.memory_mb:,.0f} MB" if state.memory_mb else "",
            relative(state.log_file, config.root),
        )
    console.print(table)
    healthy = all(state.running for state in states)
    api = LocalApi(running.url)
    try:
        health = api.health()
    except httpx.HTTPError as error:
        console.print(
            f"[red]✗[/] The API at {running.url} does not answer ({type(error).__name__})."
        )
        healthy = False
    else:
        parts = [
            f"{name.replace('_', ' ')} {(health.get(name) or {}).get('status') or 'not started'}"
            for name in ("metadatabase", "scheduler", "dag_processor", "triggerer")
        ]
        console.print(f"API health: {', '.join(parts)}")
    finally:
        api.close()
    console.print(
        "[dim]Logs: `dagyard dev logs \\[component] \\[--follow]` · stop: `dagyard dev stop` · "
        "the admin view: `dagyard status`[/]"
    )
    if not healthy:
        raise typer.Exit(EXIT_FAILED)


@app.command("stop")
def stop_command(
    project: ProjectOption = None,
    timeout: Annotated[
        float,
        typer.Option("--timeout", min=1, help="Seconds to wait before killing what is left."),
    ] = 30.0,
) -> None:
    """Stop the `dagyard dev` running for this project, and every process it started."""
    config = open_project(project)
    workspace = Workspace(config.root)
    running = read_running_state(workspace)
    if running is None:
        console.print("Nothing to stop: no dagyard dev is running for this project.")
        return
    with console.status(f"Stopping dagyard dev (pid {running.pid}, {running.url})"):
        result = control.stop(workspace, running, timeout=timeout)
    if result.left:
        fail(
            f"these processes of dagyard dev are still running: {result.left}",
            "they could not be killed; stop them with `kill -9 PID` as their owner",
        )
    how = "" if result.graceful else f" (it did not stop within {timeout:.0f} s and was killed)"
    killed = f"; {len(result.killed)} leftover process(es) killed" if result.killed else ""
    console.print(
        f"[green]✔[/] Stopped dagyard dev (pid {result.pid}){how}{killed}; "
        f"none of its {result.processes} processes is left running."
    )


@app.command("logs")
def logs_command(
    component: Annotated[
        str | None,
        typer.Argument(help="scheduler, dag-processor, api-server, triggerer, ... (default: all)"),
    ] = None,
    project: ProjectOption = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new lines until dev stops.")
    ] = False,
    lines: Annotated[int, typer.Option("--lines", "-n", min=0, help="Lines to show first.")] = 40,
) -> None:
    """Show the logs of `dagyard dev`'s components (of the running or the last session)."""
    config = open_project(project)
    workspace = Workspace(config.root)
    files = control.log_files(workspace)
    if component is not None:
        if component not in files:
            known = ", ".join(files) or "none yet"
            guess = difflib.get_close_matches(component, list(files), n=1)
            fail(
                f"no log of a component called {component!r} (known: {known})",
                f"did you mean `{guess[0]}`?" if guess else "run `dagyard dev` once first",
                code=EXIT_USAGE,
            )
        files = {component: files[component]}
    if not files:
        fail(
            f"dagyard dev has not written any log in {control.log_dir(workspace)} yet",
            "start it with `dagyard dev`",
        )
    running = read_running_state(workspace)
    if running is None:
        console.print("[dim]No dagyard dev is running; these are the last session's logs.[/]")
    several = len(files) > 1
    offsets = control.sizes(files)
    for name, path in files.items():
        if several and not follow:
            console.print(f"[bold]── {name}[/] [dim]({relative(path, config.root)})[/]")
        for line in control.last_lines(path, lines):
            _log_line(name, line, several and follow)
    if follow and running is not None:
        try:
            control.follow(
                files,
                lambda name, line: _log_line(name, line, several),
                lambda: read_running_state(workspace) is not None,
                offsets,
            )
        except KeyboardInterrupt:
            raise typer.Exit(EXIT_INTERRUPTED) from None
        console.print("[dim]dagyard dev stopped.[/]")


def _log_line(name: str, line: str, prefixed: bool) -> None:
    text = f"[dim]{name} |[/] {escape(line)}" if prefixed else escape(line)
    console.print(text)
