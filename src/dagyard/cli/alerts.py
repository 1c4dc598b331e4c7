"""`dagyard alerts`: the failure digest to each DAG owner on Slack (run once, or every N minutes).

Exit codes: 0 the cycle finished (everything due was sent); 1 Airflow or Slack could not be
reached or refused (what is pending is sent by the next cycle); 2 usage or configuration error.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from dagyard.alerts.cycle import CycleResult, run_cycle
from dagyard.alerts.settings import SLACK_TOKEN_ENV, AlertSettings, settings_from
from dagyard.alerts.state import Store
from dagyard.cli._common import (
    EXIT_FAILED,
    EXIT_USAGE,
    ProjectOption,
    console,
    err_console,
    fail,
    open_project,
    parse_duration,
)
from dagyard.cli._target import UrlOption, airflow_target
from dagyard.config import Config

app = typer.Typer(help="Send failed tasks and broken DAG files to their owners on Slack.")

StateOption = Annotated[
    Path | None,
    typer.Option("--state-file", help="Where the alerter remembers what it sent."),
]


@app.command("run")
def run_command(
    project: ProjectOption = None, airflow_url: UrlOption = None, state_file: StateOption = None
) -> None:
    """Run one cycle: read failures from Airflow and send what is new to Slack."""
    settings = _settings(open_project(project), airflow_url, state_file)
    result = run_cycle(settings)
    _report(result)
    if not result.ok:
        raise typer.Exit(EXIT_FAILED)


@app.command("serve")
def serve_command(
    every: Annotated[str, typer.Option("--every", help="Time between cycles, e.g. 10m, 30s.")] = (
        "10m"
    ),
    project: ProjectOption = None,
    airflow_url: UrlOption = None,
    state_file: StateOption = None,
) -> None:
    """Run a cycle every N minutes until stopped (Ctrl-C or SIGTERM)."""
    interval = parse_interval(every)
    settings = _settings(open_project(project), airflow_url, state_file)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    console.print(f"Sending failure digests every {every}; Ctrl-C stops.")
    while not stop.is_set():
        _report(run_cycle(settings))
        stop.wait(interval)
    console.print("Stopped.")


@app.command("status")
def status_command(project: ProjectOption = None, state_file: StateOption = None) -> None:
    """Show what the alerter remembers: last cycle, watermark, pending and sent failures."""
    config = open_project(project)
    path = state_file or config.expand(config.alerts.state_file)
    if path is None or not path.exists():
        fail(
            f"the alerter has not run yet here (no state file at {path})",
            "run `dagyard alerts run` first",
        )
    store = Store(path)
    try:
        console.print(f"State file:    {path}")
        console.print(f"Last cycle:    {store.get_meta('last_cycle') or 'never'}")
        console.print(f"Last success:  {store.get_meta('last_success') or 'never'}")
        console.print(f"Watermark:     {store.get_meta('watermark') or 'none'}")
        console.print(f"Pending:       {store.count('new')}")
        console.print(f"Sent:          {store.count('sent')} (quiet: {store.count('quiet')})")
    finally:
        store.close()


def parse_interval(text: str) -> float:
    """`10m`, `30s`, `1h` or a number of seconds -> seconds; exits 2 on anything else."""
    return parse_duration(text, "--every")


def _settings(config: Config, airflow_url: str | None, state_file: Path | None) -> AlertSettings:
    target = airflow_target(config, airflow_url, "read failures from")
    if not os.environ.get(SLACK_TOKEN_ENV):
        fail(
            f"no Slack bot token: ${SLACK_TOKEN_ENV} is not set",
            f"export {SLACK_TOKEN_ENV}=xoxb-... (the bot needs chat:write, users:read.email, "
            "channels:read, channels:history)",
            code=EXIT_USAGE,
        )
    return settings_from(
        config, airflow_url=target.url, airflow_token=target.token, state_file=state_file
    )


def _report(result: CycleResult) -> None:
    if result.ok:
        where = ", ".join(result.channels) or "no channel"
        console.print(
            f"[green]✔[/] {result.new_failures} new failure(s) read; {result.announced} "
            f"announced in {result.messages} message(s) to {where}; {result.pending} pending."
        )
    else:
        err_console.print(f"[bold red]error:[/] {result.error}")
        err_console.print(
            f"  [dim]hint:[/] {result.pending} failure(s) are kept and will be sent by the "
            "next cycle; nothing is lost."
        )
