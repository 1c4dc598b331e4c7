"""Which files of a DAGs folder Airflow's DAG processor parses, asked of Airflow itself.

The DAG processor lists a bundle with `airflow.utils.file.list_py_file_paths`: every file not
excluded by an `.airflowignore` (glob or regexp syntax, `[core] dag_ignore_file_syntax`), kept
when it is a `.py` file or a zip archive and, in safe mode (`[core] dag_discovery_safe_mode`),
when `might_contain_dag` says so. The `.airflowignore` walk itself lives in a private module
(`airflow._shared.module_loading.file_discovery`), hence this adapter.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

IGNORE_FILE = ".airflowignore"
"""The file that excludes paths from a DAGs folder, in each folder it applies to."""


class Listing(NamedTuple):
    """A DAGs folder as Airflow sees it.

    `listed`: every file the `.airflowignore` files let through; `parsed`: the files the DAG
    processor would parse (`.py` files and zip archives that pass the safe-mode test).
    """

    listed: tuple[Path, ...]
    parsed: tuple[Path, ...]
    safe_mode: bool
    default_heuristic: bool


def safe_mode() -> bool:
    """True when Airflow only parses files that look like DAG files (its default)."""
    from airflow.configuration import conf

    return conf.getboolean("core", "DAG_DISCOVERY_SAFE_MODE", fallback=True)


def default_heuristic() -> bool:
    """True when safe mode uses Airflow's own test (the file mentions "airflow" and "dag")."""
    from airflow.configuration import conf

    name = conf.get("core", "might_contain_dag_callable", fallback="")
    return name in ("", "airflow.utils.file.might_contain_dag_via_default_heuristic")


def listed_files(folder: Path) -> list[Path]:
    """Every file under `folder` that no `.airflowignore` excludes (resolved paths)."""
    from airflow._shared.module_loading.file_discovery import find_path_from_directory
    from airflow.configuration import conf

    syntax = conf.get("core", "DAG_IGNORE_FILE_SYNTAX", fallback="glob")
    found = find_path_from_directory(folder, IGNORE_FILE, syntax)
    return sorted(Path(name).resolve() for name in found)


def parsed_files(folder: Path) -> list[Path]:
    """The files of `folder` Airflow's DAG processor would parse (resolved paths)."""
    from airflow.utils.file import list_py_file_paths

    if not folder.is_dir():
        return []
    found = list_py_file_paths(folder, safe_mode=safe_mode())
    return sorted(Path(name).resolve() for name in found)


def listing(folder: Path) -> Listing:
    """`folder` as Airflow sees it: what `.airflowignore` lets through, and what it parses."""
    listed = tuple(listed_files(folder)) if folder.is_dir() else ()
    return Listing(listed, tuple(parsed_files(folder)), safe_mode(), default_heuristic())


def might_contain_dag(path: Path) -> bool:
    """Airflow's safe-mode verdict on one file (True when safe mode is off)."""
    from airflow.utils.file import might_contain_dag as airflow_might_contain_dag

    return bool(airflow_might_contain_dag(str(path), safe_mode()))


def with_saved(folder_listing: Listing, saved: Iterable[Path]) -> Listing | None:
    """`folder_listing` after `saved` files changed in place: what `listing` would now return,
    without walking the folder again. None when it cannot tell (a file added or removed, or one
    that is neither Python nor YAML, such as an `.airflowignore`): then list the folder again."""
    known = set(folder_listing.listed)
    parsed = set(folder_listing.parsed)
    for path in (Path(p).resolve() for p in saved):
        if path not in known or not path.is_file():
            return None
        if path.suffix == ".py":
            if might_contain_dag(path):
                parsed.add(path)
            else:
                parsed.discard(path)
        elif path.suffix not in (".yaml", ".yml"):
            return None
    return folder_listing._replace(parsed=tuple(sorted(parsed)))
