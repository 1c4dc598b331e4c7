"""Fixtures for `dagyard status` and the `dagyard dev` laptop commands: real environments."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from status_env import BROKEN_DAG, FAST_HEALTH

from alerts_env import FAILING_DAG, Airflow  # isort: skip (on the path once status_env is imported)
from slack_web_api import SlackWebApi  # isort: skip
from support import copy_example_repo, start_dev


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Airflow]:
    """`dagyard dev` with a failing DAG and a broken file in the platform team's folder."""
    repo = copy_example_repo(tmp_path_factory.mktemp("status-local") / "dag-repo")
    folder = repo / "dags" / "_development"
    (folder / "always_fails.py").write_text(FAILING_DAG)
    (folder / "broken.py").write_text(BROKEN_DAG)
    toml = repo / "dagyard.toml"
    toml.write_text(
        toml.read_text().replace("parallelism = 4\n", "parallelism = 4\n" + FAST_HEALTH)
    )
    dev = start_dev(repo)
    airflow = Airflow(dev, f"sqlite:///{repo / '.dagyard' / 'db' / 'airflow.db'}")
    yield airflow
    dev.stop()


@pytest.fixture
def slack() -> Iterator[SlackWebApi]:
    """A local Slack Web API with the example repo's platform channel."""
    server = SlackWebApi().start()
    server.workspace.add_channel("platform-alerts")
    server.workspace.add_user("analyst@example.com", "U0ANALYST")
    yield server
    server.stop()
