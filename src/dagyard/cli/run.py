"""`dagyard run DAG_ID`: run one DAG once, now, and show each task as it ends."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from dagyard.cli._common import (
    EXIT_FAILED,
    EXIT_USAGE,
    ProjectOption,
    console,
    err_console,
    fail,
    fail_with,
    open_project,
)
from dagyard.cli._common import relative as relative_to
from dagyard.dev.run_once import OneShotRun, RunError, TaskOutcome, log_tail
from dagyard.dev.session import divert_output

_MARKS = {
    "success": "[green]✔[/]",
    "failed": "[red]✘[/]",
    "upstream_failed": "[red]⊘[/]",
    "skipped": "[yellow]↷[/]",
    "removed": "[dim]−[/]",
    "running": "[cyan]▶[/]",
    "up_for_retry": "[yellow]↻[/]",
}


def run_command(
    dag_id: Annotated[str, typer.Argument(help="The id of the DAG to run.")],
    conf: Annotated[
        str | None,
        typer.Option("--conf", help='Run configuration as JSON, e.g. \'{"day": "2024-01-01"}\'.'),
    ] = None,
    task: Annotated[
        str | None,
        typer.Option("--task", help="Run only this task (its upstream tasks are not run)."),
    ] = None,
    project: ProjectOption = None,
    tail_lines: Annotated[int, typer.Option("--log-lines", help="Log lines shown per task.")] = 5,
) -> None:
    """Run DAG_ID once, right now, without the dev environment; exit 0 only if it succeeded."""
    config = open_project(project)
    run_conf = _parse_conf(conf)
    runner = OneShotRun(config, dag_id, on_event=_printer(tail_lines))
    log_file = runner.run_dir.parent / "logs" / "run.log"
    console.file, err_console.file = divert_output(log_file)
    try:
        with console.status(f"Loading Airflow for {dag_id}") as status:
            dag_file = runner.prepare(progress=status.update)
        console.print(f"[dim]•[/] {dag_id} from {relative_to(dag_file, config.root)}")
        outcome = runner.execute(dag_file, run_conf, task)
    except RunError as error:
        runner.stop()
        fail_with(error)
    except KeyboardInterrupt:
        runner.stop()
        err_console.print("[yellow]interrupted[/]; the run was stopped")
        raise typer.Exit(130) from None
    except Exception:
        runner.stop()
        err_console.print(f"[bold red]error:[/] dagyard run crashed; details in {log_file}")
        raise
    runner.stop()
    counts = {}
    for item in outcome.tasks:
        counts[item.state] = counts.get(item.state, 0) + 1
    summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    if outcome.state == "success":
        console.print(
            f"[bold green]✔ {dag_id} succeeded[/] in {outcome.seconds:.1f} s ({summary}) "
            f"· run {outcome.run_id}"
        )
        return
    console.print(f"[bold red]✘ {dag_id} {outcome.state}[/] in {outcome.seconds:.1f} s ({summary})")
    console.print(f"  task logs: {runner.run_dir / 'logs'}")
    raise typer.Exit(EXIT_FAILED)


def _parse_conf(conf: str | None) -> dict | None:
    if conf is None:
        return None
    try:
        value = json.loads(conf)
    except ValueError as error:
        fail(
            f"--conf is not valid JSON ({error})",
            'example: --conf \'{"day": "2024-01-01"}\'',
            code=EXIT_USAGE,
        )
    if not isinstance(value, dict):
        fail('--conf must be a JSON object, like {"key": "value"}', code=EXIT_USAGE)
    return value


def _printer(tail_lines: int):
    def show(state: str, task: TaskOutcome) -> None:
        name = task.task_id + (f"[{task.map_index}]" if task.map_index >= 0 else "")
        took = f" [dim]{task.seconds:.1f} s[/]" if task.seconds and state != "running" else ""
        console.print(f"{_MARKS.get(state, '?')} {name} {state}{took}{_next_try(task)}")
        if state in {"success", "failed", "up_for_retry"}:
            lines = log_tail(
                task.log_file, tail_lines if state == "success" else max(tail_lines, 15)
            )
            for line in lines:
                console.print("    " + line, style="dim", markup=False)

    return show


def _next_try(task: TaskOutcome) -> str:
    """`; try 2 of 3 in 5 min`, for a task waiting for its retry (empty otherwise)."""
    if task.next_try is None:
        return ""
    wait = max((task.next_try - datetime.now(UTC)).total_seconds(), 0)
    when = f"{wait / 60:.0f} min" if wait >= 90 else f"{wait:.0f} s"
    return f"; try {task.try_number + 1} of {task.max_tries + 1} in {when}"
