"""Adapter: Airflow's DAG importer registry and the DAG processor's file discovery.

Airflow 3.3 parses every file through an importer picked by its extension
(`airflow.dag_processing.importers`, public). The 3.3 DAG processor, however, only *lists*
`.py` and `.zip` files (`DagFileProcessorManager._find_files_in_bundle`), and walks folders with
`.airflowignore` through `airflow._shared.module_loading`: both internal. They are used only
here; tests/_airflow/test_dag_importers_contract.py checks them against the installed Airflow.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from airflow._shared.module_loading.file_discovery import find_path_from_directory
from airflow.configuration import conf
from airflow.dag_processing.importers import AbstractDagImporter, get_importer_registry

from dagyard._airflow.dag_discovery import IGNORE_FILE

Lister = Callable[[Path], list[str]]


def files_airflow_walks(directory: str | Path, keep: Callable[[str], bool]) -> list[str]:
    """Files under `directory` that `keep` accepts, honouring `.airflowignore` as Airflow does."""
    syntax = conf.get_mandatory_value("core", "DAG_IGNORE_FILE_SYNTAX", fallback="glob")
    return sorted(
        name
        for name in find_path_from_directory(str(directory), IGNORE_FILE, syntax)
        if keep(name) and Path(name).is_file()
    )


def register_importer(importer: AbstractDagImporter, probe: str) -> None:
    """Route files named like `probe` to `importer` in this process (idempotent)."""
    registry = get_importer_registry()
    if not isinstance(registry.get_importer(probe), type(importer)):
        registry.register(importer)


def also_list(lister: Lister) -> None:
    """Make this process's DAG processor parse `lister(bundle folder)` too, beside the `.py`
    and `.zip` files it lists itself (idempotent)."""
    from airflow.dag_processing.manager import DagFileProcessorManager

    current = DagFileProcessorManager._find_files_in_bundle
    if lister not in getattr(current, "dagyard_listers", ()):
        DagFileProcessorManager._find_files_in_bundle = _listing_also(current, lister)


def _listing_also(find, lister: Lister):
    @functools.wraps(find)
    def find_files_in_bundle(self, bundle):
        found = list(find(self, bundle))
        known = set(found)
        for name in lister(Path(bundle.path)):
            relative = Path(name).relative_to(bundle.path)
            if relative not in known:
                found.append(relative)
        return found

    find_files_in_bundle.dagyard_listers = (*getattr(find, "dagyard_listers", ()), lister)
    return find_files_in_bundle
