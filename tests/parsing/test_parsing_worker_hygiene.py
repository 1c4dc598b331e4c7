"""Isolation modes of the loader pool.

A worker that loads many files in turn gives each file the process the previous one found: one
worker (`jobs=1`, `isolation="worker"`) loads a file that pollutes the process, then a file that
reports what it sees in its DAG id; a file that leaves a thread running retires its worker.
"auto" forks once per file for a handful of files and shares workers for a large sweep.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DRIVER = """
import json, sys
from pathlib import Path
from dagyard.config import load_config
from dagyard.parsing import pool, runtime
root = Path(sys.argv[1])
runtime.prepare(load_config(root))
isolation = sys.argv[2]
paths = [Path(p) for p in sys.argv[3:]]
results = pool.load_many(paths, jobs=1, project_root=root, isolation=isolation)
print(json.dumps([r._asdict() for r in results], default=list))
"""

POLLUTES = """
import os, sys
from datetime import datetime
from airflow.sdk import DAG
os.environ["DAGYARD_POLLUTED"] = "yes"
sys.path.insert(0, "/nowhere")
os.chdir("/")
with DAG("left_open", schedule=None, start_date=datetime(2024, 1, 1)):
    raise ValueError("planted failure inside a DAG block")
"""

OBSERVES = """
import os, sys, threading
from datetime import datetime
from airflow.sdk import DAG
from airflow.sdk.definitions._internal.contextmanager import DagContext
leaks = []
if os.environ.get("DAGYARD_POLLUTED"):
    leaks.append("environ")
if "/nowhere" in sys.path:
    leaks.append("path")
if os.getcwd() == "/":
    leaks.append("cwd")
if DagContext.get_current_dag() is not None:
    leaks.append("dag")
if threading.active_count() > 1:
    leaks.append("thread")
with DAG("{name}_" + ("_".join(leaks) or "clean"), schedule=None, start_date=datetime(2024, 1, 1)):
    pass
"""

STARTS_THREAD = """
import threading, time
from datetime import datetime
from airflow.sdk import DAG
threading.Thread(target=time.sleep, args=(60,)).start()
with DAG("starts_thread", schedule=None, start_date=datetime(2024, 1, 1)):
    pass
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> list[dict]:
    root = tmp_path_factory.mktemp("hygiene")
    dags = root / "dags"
    dags.mkdir()
    (root / "dagyard.toml").write_text("")
    files = {
        "a_pollutes.py": POLLUTES,
        "b_observes.py": OBSERVES.format(name="after_pollution"),
        "c_starts_thread.py": STARTS_THREAD,
        "d_observes.py": OBSERVES.format(name="after_thread"),
    }
    for name, text in files.items():
        (dags / name).write_text(text)
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(root), "worker", *(str(dags / n) for n in files)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _dag_ids(result: dict) -> list[str]:
    return [dag[0] for dag in result["dags"]]


def test_the_polluting_file_is_reported(loaded):
    first = loaded[0]
    assert Path(first["path"]).name == "a_pollutes.py"
    assert "planted failure inside a DAG block" in first["errors"][0][1]


def test_the_next_file_sees_a_clean_process(loaded):
    assert _dag_ids(loaded[1]) == ["after_pollution_clean"]


def test_a_file_that_leaves_a_thread_retires_its_worker(loaded):
    assert _dag_ids(loaded[2]) == ["starts_thread"]
    assert _dag_ids(loaded[3]) == ["after_thread_clean"]


SHOWS_PID = """
import os
from datetime import datetime
from airflow.sdk import DAG
with DAG(f"pid_{os.getpid()}_{n}", schedule=None, start_date=datetime(2024, 1, 1)):
    pass
"""


def _pids(root: Path, isolation: str, count: int) -> set[str]:
    dags = root / "dags"
    dags.mkdir(exist_ok=True)
    (root / "dagyard.toml").write_text("")
    paths = []
    for n in range(count):
        path = dags / f"shows_pid_{n:03d}.py"
        path.write_text(SHOWS_PID.replace("{n}", str(n)))
        paths.append(str(path))
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(root), isolation, *paths],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=root,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert len(results) == count
    return {_dag_ids(r)[0].split("_")[1] for r in results}


def test_auto_forks_once_per_file_for_a_few_files(tmp_path):
    assert len(_pids(tmp_path, "auto", 5)) == 5


def test_auto_shares_workers_for_a_large_sweep(tmp_path):
    from dagyard.parsing.pool import STRICT_UP_TO

    count = STRICT_UP_TO + 10
    assert len(_pids(tmp_path, "auto", count)) < count // 2
