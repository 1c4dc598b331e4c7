"""`dagyard migrate`: move a DAG repository from Airflow 2 to Airflow 3, and prove nothing changed.

Exit codes: 0 nothing left to do (or everything written); 1 something is left for a person
(a change `--write` would make, a finding, a file that does not load, a verify difference);
2 usage error.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from dagyard.cli._common import (
    EXIT_FAILED,
    EXIT_USAGE,
    console,
    err_console,
    fail,
    fail_with,
    relative,
)
from dagyard.config import find_project_root


def migrate_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders to migrate (default: dags/, plugins/, include/)."),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Report only; exit 1 if anything is left (for CI).")
    ] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Show what --write would change.")] = False,
    write: Annotated[bool, typer.Option("--write", help="Change the files.")] = False,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Load every file as it is in Airflow 2 and as migrated in Airflow 3, and "
            "compare the DAGs (run it before --write).",
        ),
    ] = False,
    settings: Annotated[
        Path | None,
        typer.Option(
            "--settings",
            help="An Airflow 2 airflow.cfg or Helm values file to translate for dagyard.",
        ),
    ] = None,
) -> None:
    """Migrate DAG files from Airflow 2 to Airflow 3: fix what is safe, report the rest."""
    from dagyard.migrate.engine import files_to_migrate, migrate_files, with_imported_helpers

    if sum((check, diff, write)) > 1:
        fail("choose one of --check, --diff and --write", code=EXIT_USAGE)
    root = find_project_root(Path.cwd()) or Path.cwd()
    targets = _targets(paths, root)
    if settings is not None:
        _translate_settings(settings)
        if not paths:
            return
    files = files_to_migrate(targets)
    if not paths:
        dags = root / "dags" if (root / "dags").is_dir() else root
        files = with_imported_helpers(files, root, [dags, root])
    if not files:
        fail(
            f"no Python file that mentions Airflow under {', '.join(map(str, targets))}",
            "pass the folder that holds your DAG files, for example `dagyard migrate dags/`",
            code=EXIT_USAGE,
        )
    with console.status(f"Migrating {len(files)} file(s)"):
        results = migrate_files(files)
    left = 0
    for result in results:
        advised: set[str] = set()
        shown = relative(result.path, root)
        if result.error:
            left += 1
            err_console.print(f"[bold red]✘[/] {escape(shown)}: {escape(result.error)}")
            continue
        if result.changed:
            if diff:
                _print_diff(result, shown)
            elif write:
                result.path.write_text(result.after, encoding="utf-8")
                console.print(f"[green]✔[/] {escape(shown)}: {len(result.changes)} fix(es)")
            else:
                left += 1
                console.print(f"[yellow]•[/] {escape(shown)}: would fix {_changes(result)}")
        for finding in result.findings:
            left += 1
            line = finding.line if write else result.original_line(finding.line)
            console.print(
                f"[bold red]✘[/] {escape(shown)}:{line}: {finding.code} {escape(finding.message)}"
            )
            if finding.hint not in advised:
                advised.add(finding.hint)
                console.print(f"    [dim]what to do:[/] {escape(finding.hint)}")
    changed = sum(r.changed for r in results)
    findings = sum(len(r.findings) for r in results)
    verb = "changed" if write else "to change"
    console.print(
        f"{len(results)} file(s) read, {changed} {verb}, {findings} finding(s) for a person"
    )
    if verify:
        left += _verify(root, results)
    if left:
        raise typer.Exit(EXIT_FAILED)


def _targets(paths: list[Path] | None, root: Path) -> list[Path]:
    if paths:
        missing = [p for p in paths if not p.exists()]
        if missing:
            fail(f"{missing[0]} does not exist", code=EXIT_USAGE)
        return paths
    found = [root / name for name in ("dags", "plugins", "include") if (root / name).is_dir()]
    return found or [root]


def _verify(root: Path, results) -> int:
    from dagyard.migrate.airflow2_env import Airflow2EnvError, airflow2_python
    from dagyard.migrate.verify import VerifyError, verify

    try:
        with console.status("Preparing Airflow 2") as status:
            python = airflow2_python(progress=lambda text: status.update(text))
        with console.status("Loading every file in Airflow 2 and in Airflow 3"):
            differences = verify(root, results, python)
    except (Airflow2EnvError, VerifyError) as error:
        fail_with(error)
    notes = [d for d in differences if d.kind == "note"]
    real = [d for d in differences if d.kind != "note"]
    for difference in real:
        where = f"{difference.file} ({difference.dag_id})" if difference.dag_id else difference.file
        console.print(f"[bold red]≠[/] {escape(where)}: {escape(difference.message)}")
    for message in sorted({note.message for note in notes}):
        dags = sorted({str(n.dag_id) for n in notes if n.message == message})
        console.print(f"[yellow]![/] {escape(_some_of(dags))}: {escape(message)}")
    if not real:
        console.print("[bold green]✔ verified:[/] every DAG has the same structure in Airflow 3")
    return len(real)


def _some_of(names: list[str], shown: int = 5) -> str:
    """The first few names, then how many more, so one note stays one readable line."""
    if len(names) <= shown:
        return ", ".join(names)
    return f"{', '.join(names[:shown])} and {len(names) - shown} more DAGs"


def _translate_settings(path: Path) -> None:
    from dagyard.migrate.settings import SettingsError, translate

    try:
        translation = translate(path)
    except SettingsError as error:
        fail_with(error, code=EXIT_USAGE)
    console.print(translation.render(), markup=False)


def _print_diff(result, shown: str) -> None:
    lines = difflib.unified_diff(
        result.before.splitlines(keepends=True),
        result.after.splitlines(keepends=True),
        fromfile=f"a/{shown}",
        tofile=f"b/{shown}",
    )
    console.print("".join(lines), markup=False, highlight=False, end="")


def _changes(result) -> str:
    return "; ".join(result.changes) or "formatting"
