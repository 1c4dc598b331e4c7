"""The metadata DB is migrated once per Airflow version, then copied from a template."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dagyard.config import load_config
from dagyard.dev.database import sqlite_revision
from dagyard.dev.session import needs_triggerer

pytestmark = pytest.mark.timeout(300)

PREPARE = """
import sys
from pathlib import Path
from dagyard.dev.database import prepare_sqlite
print(prepare_sqlite(Path(sys.argv[1]), reset=sys.argv[2] == "reset").name)
"""


def prepare(db_file: Path, cache: Path, reset: bool = False) -> str:
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(cache),
        "AIRFLOW_HOME": str(db_file.parent / "home"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{db_file}",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    result = subprocess.run(
        [sys.executable, "-c", PREPARE, str(db_file), "reset" if reset else "keep"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_first_start_migrates_then_projects_start_from_the_template(tmp_path):
    cache = tmp_path / "cache"
    first = tmp_path / "one" / "airflow.db"
    first.parent.mkdir()
    assert prepare(first, cache) == "MIGRATED"
    templates = list((cache / "dagyard" / "db-templates").glob("airflow-*.sqlite"))
    assert len(templates) == 1
    assert sqlite_revision(templates[0]) == sqlite_revision(first) is not None

    assert prepare(first, cache) == "READY"

    second = tmp_path / "two" / "airflow.db"
    second.parent.mkdir()
    assert prepare(second, cache) == "FROM_TEMPLATE"
    assert prepare(second, cache, reset=True) == "FROM_TEMPLATE"


def test_an_unreadable_database_file_is_kept_aside_not_lost(tmp_path):
    cache = tmp_path / "cache"
    broken = tmp_path / "airflow.db"
    broken.write_bytes(b"this is not sqlite")
    assert sqlite_revision(broken) is None
    assert prepare(broken, cache) == "MIGRATED"
    [kept] = tmp_path.glob("airflow.db.unreadable-*")
    assert kept.read_bytes() == b"this is not sqlite"
    assert sqlite_revision(broken) is not None


def test_a_triggerer_starts_unless_the_project_says_never(dag_repo):
    # Airflow's UI shows a triggerer that does not run as failed: a laptop starts one
    assert needs_triggerer(load_config(dag_repo)) is True
    (dag_repo / "dagyard.toml").write_text('[dev]\ntriggerer = "never"\n')
    assert needs_triggerer(load_config(dag_repo)) is False
