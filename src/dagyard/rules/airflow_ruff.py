"""DY150 airflow-ruff: Airflow 3 migration and best-practice findings from ruff's `AIR` rules.

What it does
    Runs ruff (https://docs.astral.sh/ruff/rules/#airflow-air) with only its Airflow rules on
    the checked files and shows its findings in the same report, with ruff's code (e.g.
    `AIR301`) in the message and ruff's suggested fix as the hint.

Why it matters
    Airflow 3 removed and moved many Airflow 2 names (`schedule_interval`, `airflow.operators.*`,
    `days_ago`, ...). ruff knows each one and the new spelling; some still work today but will
    break with the next Airflow release.

Example
    from airflow.operators.bash import BashOperator

Fix
    from airflow.providers.standard.operators.bash import BashOperator
    (`ruff check --select AIR --fix` applies the safe fixes for you.)
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

from dagyard.rules._base import NEED_RUFF, Context, Issue

ID = "DY150"
NAME = "airflow-ruff"
SEVERITY = "warning"
SUMMARY = "ruff's Airflow (AIR) rules report a migration or best-practice problem"
NEEDS = frozenset({NEED_RUFF})


def ruff_binary() -> str:
    """Path of the ruff executable installed with dagyard."""
    from ruff.__main__ import find_ruff_bin

    return str(find_ruff_bin())


def run_ruff(paths: list[Path], cwd: Path) -> list[dict]:
    """ruff's JSON diagnostics for its AIR rules on `paths` (empty when ruff cannot run)."""
    if not paths:
        return []
    command = [
        ruff_binary(),
        "check",
        "--isolated",
        "--no-cache",
        "--select",
        "AIR",
        "--output-format",
        "json",
        "--exit-zero",
        *map(str, paths),
    ]
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return []
    try:
        return json.loads(done.stdout or "[]")
    except ValueError:
        return []


def start(paths: list[Path], cwd: Path) -> subprocess.Popen | None:
    """Start ruff in the background (it runs while the DAG files load)."""
    if not paths:
        return None
    command = [ruff_binary(), "check", "--isolated", "--no-cache", "--select", "AIR"]
    command += ["--output-format", "json", "--exit-zero", *map(str, paths)]
    try:
        return subprocess.Popen(
            command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
    except OSError:
        return None


def collect(process: subprocess.Popen | None) -> list[dict]:
    """The diagnostics of a ruff started with `start`."""
    if process is None:
        return []
    out, _ = process.communicate(timeout=120)
    try:
        return json.loads(out or "[]")
    except ValueError:
        return []


def issues(diagnostics: list[dict]) -> Iterator[Issue]:
    """Turn ruff's diagnostics into issues."""
    for item in diagnostics:
        fix = (item.get("fix") or {}).get("message")
        hint = fix or f"see {item.get('url') or 'https://docs.astral.sh/ruff/rules/'}"
        if fix and item["fix"].get("applicability") == "safe":
            hint += " (`ruff check --select AIR --fix` does it for you)"
        yield Issue(
            f"{item['code']}: {item['message']}",
            hint,
            Path(item["filename"]),
            (item.get("location") or {}).get("row"),
        )


def check_repo(ctx: Context) -> Iterator[Issue]:
    """ruff's AIR findings on every checked file."""
    diagnostics = ctx.ruff_diagnostics
    if diagnostics is None:
        python = [f.path for f in ctx.files if f.path.suffix == ".py"]
        diagnostics = run_ruff(python, ctx.config.root) if python else []
    yield from issues(diagnostics)
