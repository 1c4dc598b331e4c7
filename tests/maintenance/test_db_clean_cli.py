"""`dagyard db clean` errors: plain sentences and exit code 2 before anything is touched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DAGYARD = str(Path(sys.executable).with_name("dagyard"))


def test_no_local_database_is_a_usage_error(dag_repo: Path):
    result = subprocess.run(
        [DAGYARD, "db", "clean", "--project", str(dag_repo), "--dry-run"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 2
    assert "has no local metadata database yet" in result.stderr
    assert "--db postgresql://" in result.stderr


def test_an_unreachable_database_is_explained(dag_repo: Path):
    result = subprocess.run(
        [
            DAGYARD,
            "db",
            "clean",
            "--project",
            str(dag_repo),
            "--db",
            "postgresql://postgres@127.0.0.1:9/nothing",
            "--dry-run",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 1
    assert "the clean-up stopped with an error" in result.stderr
    assert "check the database URL" in result.stderr
