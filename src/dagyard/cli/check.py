"""`dagyard check`: fast, isolated validation of DAG files (pre-commit, CI, editor loop).

Exit codes: 0 no finding at error severity; 1 at least one; 2 usage or configuration error,
or nothing checked (the named files are not files Airflow parses, or it parses none).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from dagyard._airflow.dag_discovery import IGNORE_FILE
from dagyard.cli._common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    ProjectOption,
    console,
    err_console,
    fail,
    open_project,
)
from dagyard.config import Config
from dagyard.parsing.discovery import GitError
from dagyard.report import Format, render_github, render_json, render_sarif, render_text
from dagyard.rules import BY_ID, RULES


def check_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="DAG files or folders to check (a shared module checks its users)."),
    ] = None,
    all_files: Annotated[
        bool, typer.Option("--all", help="Check every DAG file of the repository (the default).")
    ] = False,
    changed: Annotated[
        bool,
        typer.Option(
            "--changed",
            help="Check DAG files changed against --base, and DAG files importing changed modules.",
        ),
    ] = False,
    staged: Annotated[
        bool, typer.Option("--staged", help="Like --changed, for the files staged for commit.")
    ] = False,
    base: Annotated[
        str | None,
        typer.Option(
            "--base", help="git ref to compare with (default: merge base with the default branch)."
        ),
    ] = None,
    output_format: Annotated[
        Format, typer.Option("--format", "-f", help="How to write the report.")
    ] = Format.text,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    watch: Annotated[
        bool, typer.Option("--watch", "-w", help="Check again each time a file is saved.")
    ] = False,
    explain: Annotated[
        str | None, typer.Option("--explain", help="Explain a rule (e.g. DY110) and exit.")
    ] = None,
    list_rules: Annotated[
        bool, typer.Option("--list-rules", help="List the rules and their severity, then exit.")
    ] = False,
    update_baseline: Annotated[
        bool,
        typer.Option(
            "--update-baseline",
            help="Accept the secrets found now: write them to the secrets baseline file.",
        ),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", "-j", min=1, help="Files loaded in parallel (default: \\[check] jobs)."
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every file.")] = False,
    project: ProjectOption = None,
) -> None:
    """Check DAG files: imports, owners, secrets, pod settings, conventions, Airflow 3 issues."""
    if explain:
        _explain(explain)
        return
    modes = [bool(paths), all_files, changed, staged]
    if sum(modes) > 1:
        fail(
            "choose one of: file paths, --all, --changed, --staged",
            "for example `dagyard check --changed` in CI, `dagyard check dags/x.py` for one file",
            EXIT_USAGE,
        )
    if base and not changed:
        fail("--base only makes sense with --changed", "add --changed", EXIT_USAGE)
    config = open_project(project)
    if jobs:
        config = config.model_copy(update={"check": config.check.model_copy(update={"jobs": jobs})})
    if list_rules:
        _list_rules(config)
        return
    missing = [p for p in paths or [] if not p.exists()]
    if missing and not changed:
        fail(f"{missing[0]} does not exist", "check the path (relative to this folder)", EXIT_USAGE)

    if changed or staged:
        try:
            from dagyard.parsing.discovery import git_root

            git_root(config.root)
        except GitError as error:
            fail(
                f"git: {error}",
                error.hint or "run this in a git repository, or pass file paths",
                EXIT_USAGE,
            )

    from dagyard.rules.engine import Checker

    with console.status("Importing Airflow", spinner="dots") if _fancy(output_format) else _null():
        checker = Checker(config)
    try:
        targets = _targets(checker, paths, changed, staged, base)
    except GitError as error:
        fail(
            f"git: {error}",
            error.hint or "run this in a git repository, or pass --base REF",
            EXIT_USAGE,
        )
    whole = all_files or not any(modes)
    checked_at = time.time_ns()
    report = _run(checker, targets, output_format, partial=not whole)
    _show(report, config, output_format, output, verbose)
    if update_baseline:
        _write_baseline(checker, report)
    if watch:
        _watch(checker, output_format, verbose, saved_since=checked_at)
        return
    if report.nothing_checked:
        raise typer.Exit(EXIT_USAGE)
    if report.errors:
        raise typer.Exit(EXIT_FAILED)


def _fancy(output_format: str) -> bool:
    return output_format == "text" and console.is_terminal


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _targets(checker, paths, changed: bool, staged: bool, base: str | None):
    if changed or staged:
        return checker.targets_changed(base, staged)
    if paths:
        return checker.targets_for(paths)
    return checker.targets_all()


def _run(checker, targets, output_format: str, partial: bool):
    total = len(targets.dag_files)
    if not _fancy(output_format):
        return checker.run(targets, partial=partial)
    with console.status(f"Checking {total} DAG file(s)", spinner="dots") as status:
        done = [0]

        def progress(_result) -> None:
            done[0] += 1
            status.update(f"Checking DAG files: {done[0]}/{total}")

        return checker.run(targets, on_result=progress, partial=partial)


def _show(report, config: Config, output_format: str, output: Path | None, verbose: bool) -> None:
    root = _report_root(config, output_format)
    if output_format == "text":
        if output:
            from rich.console import Console

            with output.open("w", encoding="utf-8") as sink:
                render_text(report, root, Console(file=sink, width=120), verbose)
        else:
            render_text(report, root, console, verbose)
        return
    for note in report.notes if output_format != "json" else ():
        err_console.print(f"[yellow]•[/] {escape(note)}")
    renderer = {"json": render_json, "github": render_github, "sarif": render_sarif}
    text = renderer[output_format](report, root)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


def _report_root(config: Config, output_format: str) -> Path:
    """Annotations and SARIF need paths from the repository root; people like short ones."""
    if output_format in {"github", "sarif"}:
        try:
            from dagyard.parsing.discovery import git_root

            return git_root(config.root)
        except GitError:
            return config.root
    return config.root


def _write_baseline(checker, report) -> None:
    from dagyard.rules import Context, hardcoded_secret

    modules = {Path(m) for f in report.files if f.result for m in f.result.modules}
    ctx = Context(
        config=checker.config,
        files=report.files,
        other_dag_ids={},
        scanned_modules=tuple(sorted(modules)),
    )
    secrets = hardcoded_secret.scan(ctx)
    path = checker.config.root / checker.config.check.secrets_baseline
    count = hardcoded_secret.write_baseline(path, checker.config.root, secrets)
    err_console.print(f"[green]✔[/] {count} accepted secret finding(s) written to {path}")


def _explain(rule_id: str) -> None:
    rule = BY_ID.get(rule_id.upper())
    if rule is None:
        fail(
            f"there is no rule {rule_id!r}",
            f"rules are {', '.join(BY_ID)}; `dagyard check --list-rules` lists them",
            EXIT_USAGE,
        )
    console.print(f"[bold]{rule.ID} {rule.NAME}[/] (default severity: {rule.SEVERITY})\n")
    console.print((rule.__doc__ or "").strip(), markup=False)


def _list_rules(config: Config) -> None:
    for rule in RULES:
        if rule.ID in config.check.disable:
            level = "off"
        else:
            level = config.check.severity.get(rule.ID, rule.SEVERITY)
        console.print(f"{rule.ID}  {level:<8} {rule.NAME:<20} {rule.SUMMARY}", markup=False)


def _watch(checker, output_format: str, verbose: bool, saved_since: int) -> None:
    """Re-check saved files until Ctrl-C; Airflow stays imported in this process.

    Files saved from `saved_since` (a `time.time_ns()`, taken before the first check read
    them) until the file watcher runs are re-checked with its first batch. A saved
    `.airflowignore` re-checks the files it now lets Airflow parse and names those it hides;
    a saved data file (a YAML config, a SQL file) re-checks the DAG files that name it.
    """
    from watchfiles import Change, watch

    from dagyard.parsing.saved_files import is_dag_source, readers_of
    from dagyard.parsing.saved_files import saved_since as saved_between

    config = checker.config
    roots = [config.dags_path]
    if output_format == "text":
        console.print("[dim]• watching for saves · Ctrl-C to stop[/]")
    caught_up = False
    try:
        for changes in watch(*roots, debounce=30, step=10, rust_timeout=500, yield_on_timeout=True):
            saved = {
                Path(raw)
                for change, raw in changes
                if is_dag_source(raw) and change != Change.deleted
            }
            if not caught_up:
                caught_up = True
                saved |= set(saved_between(roots, saved_since))
            saved |= set(readers_of((raw for _, raw in changes), checker.dag_files))
            ignores = [Path(raw) for _, raw in changes if Path(raw).name == IGNORE_FILE]
            if ignores:
                saved |= _after_ignore_files_changed(checker, ignores, output_format)
            if not saved:
                continue
            started = time.monotonic()
            checker.update(saved)
            targets = checker.targets_for([p for p in saved if p.exists()])
            if not targets.dag_files:
                continue
            report = checker.run(targets)
            report = report._replace(seconds=time.monotonic() - started)
            _show(report, config, output_format, None, verbose)
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _after_ignore_files_changed(checker, ignores: list[Path], output_format: str) -> set[Path]:
    """Take changed `.airflowignore` files into account; return the DAG files they now let
    Airflow parse, after saying which ones they hide."""
    before = set(checker.dag_files())
    checker.update(ignores)
    after = set(checker.dag_files())
    hidden = sorted(path for path in before - after if path.exists())
    if hidden and output_format == "text":
        names = ", ".join(checker.relative(path) for path in hidden)
        them = "it" if len(hidden) == 1 else "them"
        console.print(
            f"[dim]•[/] {escape(names)}: now excluded by {IGNORE_FILE}, so Airflow does not "
            f"parse {them} and dagyard does not check {them}"
        )
    return after - before
