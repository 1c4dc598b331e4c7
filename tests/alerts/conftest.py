"""Fixtures for the alerter: a local Slack Web API and real Airflow environments."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alerts_env import CHANNELS, Airflow, drop_database, start_airflow
from slack_web_api import SlackWebApi


@pytest.fixture
def slack() -> Iterator[SlackWebApi]:
    """A local Slack Web API with the example repo's channels and one known user."""
    server = SlackWebApi().start()
    for channel in CHANNELS:
        server.workspace.add_channel(channel)
    server.workspace.add_user("analyst@example.com", "U0ANALYST")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def airflow_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Airflow]:
    """A real Airflow on SQLite for the whole module."""
    airflow, _ = start_airflow(tmp_path_factory.mktemp("alerts-sqlite"), "sqlite")
    yield airflow
    airflow.dev.stop()


@pytest.fixture(scope="module")
def airflow_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Airflow]:
    """A real Airflow on a new PostgreSQL database for the whole module."""
    airflow, database = start_airflow(tmp_path_factory.mktemp("alerts-pg"), "postgresql")
    yield airflow
    airflow.dev.stop()
    if database:
        drop_database(database)
