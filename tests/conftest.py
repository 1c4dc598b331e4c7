"""Shared fixtures: DAG repos copied from the example, and real `dagyard dev` processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support import DevProcess, copy_example_repo, start_dev


@pytest.fixture
def dag_repo(tmp_path: Path) -> Path:
    """A fresh copy of the example DAG repository."""
    return copy_example_repo(tmp_path / "dag-repo")


@pytest.fixture
def running_dev(dag_repo: Path) -> Iterator[DevProcess]:
    """`dagyard dev` running on a fresh copy of the example repo; stopped afterwards."""
    dev = start_dev(dag_repo)
    yield dev
    dev.stop()
