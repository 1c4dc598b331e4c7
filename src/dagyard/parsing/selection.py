"""Which DAG files a check loads: the files Airflow parses, and the ones a change can affect.

A file is checked when Airflow's DAG processor would parse it (see `_airflow.dag_discovery`).
A named or changed file also brings every parsed file that imports it, directly or through
other modules: a helper module brings the DAG files using it, a DAG file imported by another
DAG file brings that one too. Imports from files Airflow does not parse (tests, scripts) never
count. Every named file that is not checked gets a note saying exactly why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from dagyard._airflow.dag_discovery import Listing
from dagyard.parsing.imports import ImportGraph, importers


class Selection(NamedTuple):
    """The DAG files to load and, for files the user named, why some were not loaded."""

    dag_files: list[Path]
    notes: list[str]


def checkable(listing: Listing) -> list[Path]:
    """The files Airflow parses that dagyard loads: its `.py` files (zip archives are not)."""
    return [path for path in listing.parsed if path.suffix == ".py"]


def skipped_archives(listing: Listing) -> list[Path]:
    """Zip archives Airflow would parse, which dagyard does not load."""
    return [path for path in listing.parsed if path.suffix != ".py"]


def why_not_parsed(path: Path, listing: Listing, dags_folder: Path, shown: str) -> str | None:
    """Why Airflow would not parse `path`, in words for the user; None when it would."""
    path = path.resolve()
    if path in listing.parsed:
        return None
    if not path.is_relative_to(dags_folder):
        return f"it is not under the DAGs folder `{shown}/`"
    if path.suffix != ".py":
        return "it is not a Python file"
    if path not in listing.listed:
        return f"an .airflowignore file in `{shown}/` excludes it"
    if not listing.default_heuristic:
        return "Airflow would skip it: `[core] might_contain_dag_callable` says it holds no DAG"
    return "Airflow would skip it: it never mentions both 'airflow' and 'dag'"


def select(
    paths: Iterable[Path],
    listing: Listing,
    graph: Callable[[], ImportGraph],
    dags_folder: Path,
    relative: Callable[[Path], str],
    explain: bool = True,
) -> Selection:
    """The parsed files among `paths` (folders expanded) plus the parsed files importing them.

    With `explain`, a note says why each named file that Airflow does not parse was skipped,
    or which files it brought instead. `graph` is called only when imports matter.
    """
    parsed = set(checkable(listing))
    shown = relative(dags_folder)
    chosen: set[Path] = set()
    notes: list[str] = []
    named: list[Path] = []
    folders: list[Path] = []
    for raw in paths:
        path = Path(raw).resolve()
        if path.is_dir():
            folders.append(path)
        else:
            named.append(path)
    if not named and not folders:
        return Selection([], notes)
    imports = graph()
    for folder in folders:
        members = [p for p in imports.imports if p.is_relative_to(folder)]
        found = {p for p in parsed if p.is_relative_to(folder)}
        found |= set().union(*_users(imports, members, parsed).values()) if members else set()
        if not found and explain:
            notes.append(
                f"{relative(folder)}: Airflow would parse no file in this folder, "
                "and no file Airflow parses imports one"
            )
        chosen |= found
    users = _users(imports, named, parsed)
    for path in named:
        brought = users.get(path, set())
        if path in parsed:
            chosen.add(path)
            chosen |= brought
            continue
        if path.suffix == ".zip" and path in listing.parsed:
            reason = "dagyard checks .py files, not zip archives"
        else:
            reason = why_not_parsed(path, listing, dags_folder, shown) or ""
        chosen |= brought
        if not explain:
            continue
        if brought:
            notes.append(
                f"{relative(path)} is not a DAG file Airflow parses ({reason}); "
                f"checked the {len(brought)} DAG file(s) that import it"
            )
        else:
            notes.append(
                f"{relative(path)} was not checked: {reason}, and no file Airflow parses imports it"
            )
    return Selection(sorted(chosen), notes)


def _users(graph: ImportGraph, named: list[Path], parsed: set[Path]) -> dict[Path, set[Path]]:
    """For each named file, the parsed files that import it (through any chain of modules)."""
    reverse = graph.imported_by()
    return {path: importers(reverse, path) & parsed for path in named}
