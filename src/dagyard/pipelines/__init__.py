"""YAML pipelines: a person writes what runs, when and after what; templates decide how.

A pipeline is a `<name>.pipeline.yaml` (or `.pipeline.yml`) file in the DAGs folder. `load`
reads one into an Airflow DAG or into problems with file, line and column; `catalogue` finds
the templates (built in, and the platform team's in the repository); `schema` writes the JSON
schema editors validate with.
"""

from __future__ import annotations

from pathlib import Path

SUFFIXES = (".pipeline.yaml", ".pipeline.yml")


def is_pipeline_file(path: Path | str) -> bool:
    """True for a file named `<name>.pipeline.yaml` or `<name>.pipeline.yml`."""
    return str(path).lower().endswith(SUFFIXES)
