"""Contract: `dagyard._airflow.dag_discovery` lists a DAGs folder exactly as the installed
Airflow's DAG processor does (`list_py_file_paths`), for each `.airflowignore` syntax and with
safe mode on and off. Each case runs in a fresh interpreter with Airflow's settings in its
environment, as `dagyard check` configures them."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

CONTRACT = """
import json, sys
from pathlib import Path
from airflow.utils.file import list_py_file_paths, might_contain_dag
from airflow.configuration import conf
from dagyard._airflow import dag_discovery

folder = Path(sys.argv[1])
safe = conf.getboolean("core", "DAG_DISCOVERY_SAFE_MODE")
listing = dag_discovery.listing(folder)
top = folder.resolve()
rel = lambda paths: sorted(Path(p).resolve().relative_to(top).as_posix() for p in paths)
print(json.dumps({
    "airflow": rel(list_py_file_paths(folder, safe_mode=safe)),
    "parsed": rel(listing.parsed),
    "listed": rel(listing.listed),
    "safe_mode": listing.safe_mode,
    "default_heuristic": listing.default_heuristic,
    "verdicts": {
        name: [
            dag_discovery.might_contain_dag(folder / name),
            might_contain_dag(str(folder / name), safe),
        ]
        for name in ("dag.py", "plain.py", "pkg/__init__.py")
    },
}))
"""

DAG = "from airflow.sdk import DAG\n\nwith DAG(dag_id='x'):\n    pass\n"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("packed.py", DAG)
    return buffer.getvalue()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    dags = tmp_path / "dags"
    files = {
        "dag.py": DAG,
        "plain.py": "LIMIT = 3\n",
        "asset_only.py": "# airflow asset producer\nX = 1\n",
        "pkg/__init__.py": "# airflow dag helpers\n",
        "pkg/inner_dag.py": DAG,
        "skipped/dag_in_skipped.py": DAG,
        "old_dag.py": DAG,
        "notes.txt": "airflow dag",
    }
    for name, text in files.items():
        (dags / name).parent.mkdir(parents=True, exist_ok=True)
        (dags / name).write_text(text)
    (dags / "bundle.zip").write_bytes(_zip())
    return dags


def contract(folder: Path, **settings: str) -> dict:
    env = {**os.environ, "AIRFLOW_HOME": str(folder.parent / "home"), **settings}
    done = subprocess.run(
        [sys.executable, "-c", CONTRACT, str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_glob_airflowignore_and_safe_mode_match_airflow(folder):
    (folder / ".airflowignore").write_text("skipped/\nold_*.py\n")
    seen = contract(folder)
    assert seen["parsed"] == seen["airflow"]
    assert seen["parsed"] == [
        "asset_only.py",
        "bundle.zip",
        "dag.py",
        "pkg/__init__.py",
        "pkg/inner_dag.py",
    ]
    assert "plain.py" in seen["listed"] and "old_dag.py" not in seen["listed"]
    assert seen["safe_mode"] is True and seen["default_heuristic"] is True
    assert all(ours == theirs for ours, theirs in seen["verdicts"].values())
    assert seen["verdicts"]["plain.py"] == [False, False]


def test_regexp_airflowignore_matches_airflow(folder):
    (folder / ".airflowignore").write_text("^skipped\nold_.*[.]py$\n")
    seen = contract(folder, AIRFLOW__CORE__DAG_IGNORE_FILE_SYNTAX="regexp")
    assert seen["parsed"] == seen["airflow"]
    assert "skipped/dag_in_skipped.py" not in seen["parsed"]
    assert "old_dag.py" not in seen["parsed"]


def test_safe_mode_off_parses_every_python_file_like_airflow(folder):
    seen = contract(folder, AIRFLOW__CORE__DAG_DISCOVERY_SAFE_MODE="False")
    assert seen["parsed"] == seen["airflow"]
    assert "plain.py" in seen["parsed"] and "notes.txt" not in seen["parsed"]
    assert seen["verdicts"]["plain.py"] == [True, True]


def test_a_custom_safe_mode_test_is_noticed(folder):
    seen = contract(
        folder,
        AIRFLOW__CORE__MIGHT_CONTAIN_DAG_CALLABLE="airflow.utils.file.might_contain_dag_via_default_heuristic",
    )
    assert seen["default_heuristic"] is True
    plugin = folder.parent / "lib"
    plugin.mkdir()
    (plugin / "team_heuristic.py").write_text(
        "def everything(file_path, zip_file=None):\n    return True\n"
    )
    seen = contract(
        folder,
        AIRFLOW__CORE__MIGHT_CONTAIN_DAG_CALLABLE="team_heuristic.everything",
        PYTHONPATH=str(plugin),
    )
    assert seen["default_heuristic"] is False
    assert seen["parsed"] == seen["airflow"]
    assert "plain.py" in seen["parsed"]


SAVED = """
import json, sys
from pathlib import Path
from airflow.utils.file import list_py_file_paths
from dagyard._airflow import dag_discovery

folder = Path(sys.argv[1])
before = dag_discovery.listing(folder)
(folder / "dag.py").write_text("LIMIT = 3\\n")  # no longer a DAG file in safe mode
(folder / "plain.py").write_text("# airflow dag\\n")  # now one
updated = dag_discovery.with_saved(before, [folder / "dag.py", folder / "plain.py"])
(folder / "new_dag.py").write_text("# airflow dag\\n")
top = folder.resolve()
rel = lambda paths: sorted(Path(p).resolve().relative_to(top).as_posix() for p in paths)
print(json.dumps({
    "updated": rel(updated.parsed),
    "airflow_before_new_file": rel(p for p in list_py_file_paths(folder, safe_mode=True)
                                   if Path(p).name != "new_dag.py"),
    "new_file": dag_discovery.with_saved(updated, [folder / "new_dag.py"]) is None,
    "ignore_file": dag_discovery.with_saved(updated, [folder / ".airflowignore"]) is None,
}))
"""


def test_a_file_saved_in_place_updates_the_listing_as_airflow_would(folder):
    (folder / ".airflowignore").write_text("skipped/\n")
    env = {**os.environ, "AIRFLOW_HOME": str(folder.parent / "home")}
    done = subprocess.run(
        [sys.executable, "-c", SAVED, str(folder)], capture_output=True, text=True, timeout=120,
        env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["updated"] == seen["airflow_before_new_file"]
    assert "plain.py" in seen["updated"] and "dag.py" not in seen["updated"]
    assert seen["new_file"] and seen["ignore_file"]  # those need a walk of the folder
