"""The schema revision dagyard expects is the one Airflow's own migration leaves in a database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dagyard.dev.database import sqlite_revision

pytestmark = pytest.mark.timeout(300)

MIGRATE_AND_ASK = """
from airflow.utils import db
from dagyard._airflow.metadata_schema import head_revision
db.upgradedb()
print(head_revision())
"""


def test_head_revision_is_what_airflows_migration_writes(tmp_path: Path):
    database = tmp_path / "airflow.db"
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "home"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{database}",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    result = subprocess.run(
        [sys.executable, "-c", MIGRATE_AND_ASK], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    head = result.stdout.strip().splitlines()[-1]
    assert head and sqlite_revision(database) == head
