"""Where the installed Airflow keeps its example DAGs (found without importing Airflow)."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def example_dag_folders() -> dict[str, Path]:
    """`core` plus one entry per installed provider that ships an `example_dags` folder."""
    spec = importlib.util.find_spec("airflow")
    assert spec and spec.submodule_search_locations
    root = Path(next(iter(spec.submodule_search_locations)))
    found = {}
    if (root / "example_dags").is_dir():
        found["core"] = root / "example_dags"
    for folder in sorted((root / "providers").glob("**/example_dags")):
        if "__pycache__" in folder.parts or "tests" in folder.parts:
            continue
        name = "_".join(folder.relative_to(root / "providers").parts[:-1])
        found[name] = folder
    return found
