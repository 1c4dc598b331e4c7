"""Text output for people: findings grouped by file, each with its line of code and the fix."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape

from dagyard.paths import relative
from dagyard.rules.engine import Report

STYLE = {"error": "bold red", "warning": "yellow"}


def render_text(report: Report, root: Path, console: Console, verbose: bool = False) -> None:
    """Print the findings by file, then one summary line that says what to do next."""
    by_file: dict[str, list] = {}
    for finding in report.findings:
        by_file.setdefault(finding.file, []).append(finding)
    for file, findings in by_file.items():
        console.print(f"[bold]{escape(relative(file, root))}[/]")
        for f in findings:
            where = (f"{f.line}:{f.column}" if f.column else f"{f.line}") if f.line else "-"
            console.print(
                f"  [dim]{where:>6}[/]  [{STYLE[f.severity]}]{f.severity:<7}[/] "
                f"[bold]{f.rule}[/] {escape(f.message)}  [dim]({f.name})[/]"
            )
            if f.source_line:
                console.print(f"        [dim]│[/] {escape(f.source_line)}", soft_wrap=True)
            console.print(f"        [dim]fix:[/] {escape(f.hint)}")
        console.print()
    if verbose:
        for checked in report.files:
            result = checked.result
            dags = ", ".join(d.dag_id for d in result.dags) if result else ""
            console.print(f"[dim]checked {escape(checked.relative)}: {escape(dags) or 'no DAG'}[/]")
    for note in report.notes:
        console.print(f"[yellow]•[/] {escape(note)}")
    console.print(summary(report))


def coverage(report: Report) -> str:
    """How many files were checked against how many Airflow would parse, and why they differ."""
    files = len(report.files)
    dags = sum(len(c.result.dags) for c in report.files if c.result)
    parses = report.airflow_parses
    folder = f"{report.dags_folder}/"
    if parses is None:
        return f"{files} file(s), {dags} DAG(s) checked in {report.seconds:.1f} s"
    text = (
        f"Airflow would parse {parses} file(s) in {folder}, checked {files} "
        f"({dags} DAG(s)) in {report.seconds:.1f} s"
    )
    if report.scope == "all":
        if report.archives:
            text += f"; not checked: {report.archives} zip archive(s) (dagyard checks .py files)"
        elif files != parses:
            text += f"; {parses - files} file(s) were not loaded"
    elif files != parses:
        asked = "the files you named" if report.scope == "named" else "the changed files"
        text += f"; only {asked} and the DAG files importing them were checked"
    return text


def summary(report: Report) -> str:
    """The last line: counts, time, and the next step."""
    counts = coverage(report)
    if not report.files:
        if report.scope == "named":
            return (
                f"[bold red]✗ Nothing checked:[/] {counts}. Next: name a DAG file Airflow parses "
                "(see the notes above), or run `dagyard check --all`."
            )
        if report.scope == "changed":
            return f"[bold]• No DAG file to check:[/] nothing Airflow parses changed. {counts}."
        return (
            f"[bold red]✗ Nothing checked:[/] {counts}. Next: put DAG files in "
            f"{report.dags_folder}/ (or set [project] dags_folder in dagyard.toml)."
        )
    if not report.findings:
        return f"[bold green]✔ All good:[/] {counts}."
    errors, warnings = len(report.errors), len(report.warnings)
    head = (
        f"[bold red]✗ {errors} error(s)[/], {warnings} warning(s)"
        if errors
        else f"[yellow]! {warnings} warning(s)[/], no errors"
    )
    nxt = (
        "fix the errors above and run `dagyard check` again; silence a finding you accept "
        "with `# dagyard: ignore[ID]` on its line"
        if errors
        else "warnings do not fail the check; `dagyard check --explain ID` says more about a rule"
    )
    return f"{head} — {counts}. Next: {nxt}."
