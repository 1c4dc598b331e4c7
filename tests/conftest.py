"""Shared fixtures: DAG repos copied from the example, and real `dagyard dev` processes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import HELM_CHART_ENV, DevProcess, copy_example_repo, helm_chart_path, start_dev


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


@pytest.fixture(scope="session")
def helm_chart():
    """The official Airflow Helm chart 1.21.0 (`dagyard.deploy.chart.Chart`); skips without it.

    dagyard does not ship the chart: it comes from `DAGYARD_TEST_HELM_CHART`, else from the
    shared reference folder next to the clone.
    """
    from dagyard.deploy import chart

    path, why_not = helm_chart_path()
    if path is None:
        if os.environ.get(HELM_CHART_ENV):
            pytest.fail(why_not)
        pytest.skip(why_not)
    return chart.load(path, HELM_CHART_ENV)
