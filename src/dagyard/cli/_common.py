"""What every command shares: the console, finding the project, reporting errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from dagyard.config import Config, ConfigError, find_project_root, load_config
from dagyard.errors import DagyardError

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

ProjectOption = Annotated[
    Path | None,
    typer.Option("--project", "-p", help="The DAG repository (default: the current folder)."),
]


# An Airflow account for the commands that log in (rbac, audit), taken from the environment.
PASSWORD_VARIABLE = "DAGYARD_AIRFLOW_PASSWORD"
USER_VARIABLE = "DAGYARD_AIRFLOW_USER"


def fail(message: str, hint: str | None = None, code: int = EXIT_FAILED) -> NoReturn:
    """Print a plain error (and what to do next) and exit with `code`."""
    err_console.print(f"[bold red]error:[/] {escape(message)}")
    if hint:
        err_console.print(f"  [dim]hint:[/] {escape(hint)}")
    raise typer.Exit(code)


def fail_with(error: DagyardError, code: int = EXIT_FAILED) -> NoReturn:
    """Print any dagyard error the one way errors are shown, and exit with `code`."""
    fail(error.message, error.hint, code=code)


def open_project(project: Path | None) -> Config:
    """Find the DAG repo (the folder with `dagyard.toml`) and read its config, or exit 2."""
    start = project or Path.cwd()
    if not start.exists():
        fail(f"the project folder {start} does not exist", code=EXIT_USAGE)
    root = find_project_root(start) if project is None else start.resolve()
    if root is None or not (root / "dagyard.toml").exists():
        fail(
            f"no dagyard.toml found in {start.resolve()} or its parent folders",
            "run this inside a DAG repository, pass --project DIR, or create one with "
            "`dagyard init DIR`",
            code=EXIT_USAGE,
        )
    try:
        return load_config(root)
    except ConfigError as error:
        for problem in error.problems:
            where = f"{problem.file}:{problem.line}" if problem.line else str(problem.file)
            err_console.print(f"[bold red]error:[/] {escape(f'{where}: {problem.message}')}")
            if problem.hint:
                err_console.print(f"  [dim]hint:[/] {escape(problem.hint)}")
        raise typer.Exit(EXIT_USAGE) from None


def relative(path: Path | str, root: Path) -> str:
    """`path` relative to `root` when inside it, for short messages."""
    path = Path(path)
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, option: str) -> float:
    """`30s`, `10m`, `24h`, `7d` or a number of seconds -> seconds; exits 2 on anything else."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if not match or float(match.group(1)) <= 0:
        fail(
            f"{option} {text!r} is not a duration",
            "write it like 30s, 10m, 24h or 7d",
            code=EXIT_USAGE,
        )
    return float(match.group(1)) * _UNITS[match.group(2)]


def require_postgres_url(db: str | None) -> None:
    """Exit 2 unless `--db` is empty or a PostgreSQL URL."""
    if db and not db.startswith(("postgresql://", "postgres://", "postgresql+psycopg2://")):
        fail(
            f"--db must be a PostgreSQL URL, got {db!r}",
            "example: postgresql://localhost/airflow",
            code=EXIT_USAGE,
        )
