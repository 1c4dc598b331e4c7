"""Hostile DAG files: each is reported as that file's error, and the others still load.

The loader runs in a fresh Python process (Airflow is imported there once, then files are
loaded in forks of it), exactly as `dagyard check` does, with both isolation modes: a worker
fork per batch of files, and a fork per file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DRIVER = """
import json, sys
from pathlib import Path
from dagyard.config import load_config
from dagyard.parsing import pool, runtime
root = Path(sys.argv[1])
config = load_config(root)
runtime.prepare(config)
paths = [Path(p) for p in sys.argv[2:]]
isolation = sys.argv[2]
paths = paths[1:]
results = pool.load_many(
    paths, jobs=2, timeout=4, memory_mb=400, project_root=root, isolation=isolation
)
print(json.dumps([r._asdict() for r in results], default=list))
"""

GOOD = """
from datetime import datetime
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator
with DAG(dag_id="good_{n}", schedule=None, start_date=datetime(2024, 1, 1)):
    EmptyOperator(task_id="a")
"""

HOSTILE = {
    "raises.py": "from airflow.sdk import DAG\n\nx = 1\nraise ValueError('planted failure')\n",
    "loops.py": "from airflow.sdk import DAG\n\nwhile True:\n    pass\n",
    "sys_exit.py": "import sys\nfrom airflow.sdk import DAG\n\nsys.exit(3)\n",
    "os_exit.py": "import os\nfrom airflow.sdk import DAG\n\nos._exit(0)\n",
    "segfault.py": "import ctypes\nfrom airflow.sdk import DAG\n\nctypes.string_at(0)\n",
    "allocates.py": (
        "from airflow.sdk import DAG\n\nblocks = []\n"
        "while True:\n    blocks.append(bytearray(50_000_000))\n"
    ),
    "helper_raises.py": "from airflow.sdk import DAG\nfrom common.broken import value\n",
}


@pytest.fixture(scope="module", params=["worker", "file"])
def loaded(request, tmp_path_factory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("hostile")
    dags = root / "dags"
    (dags / "common").mkdir(parents=True)
    (dags / "common" / "__init__.py").write_text("")
    (dags / "common" / "broken.py").write_text("value = 1\nvalue = undefined_name\n")
    (root / "dagyard.toml").write_text("")
    paths = []
    for name, text in HOSTILE.items():
        (dags / name).write_text(text)
        paths.append(dags / name)
    for n in range(3):
        (dags / f"good_{n}.py").write_text(textwrap.dedent(GOOD.format(n=n)))
        paths.append(dags / f"good_{n}.py")
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(root), request.param, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return {Path(r["path"]).name: r for r in json.loads(done.stdout)}


def only_error(result: dict) -> dict:
    assert result["dags"] == []
    assert len(result["errors"]) == 1, result["errors"]
    kind, message, file, line, details, _column = result["errors"][0]
    return {"kind": kind, "message": message, "file": file, "line": line, "details": details}


def test_good_files_still_load_next_to_hostile_ones(loaded):
    for n in range(3):
        result = loaded[f"good_{n}.py"]
        assert result["errors"] == []
        assert [d[0] for d in result["dags"]] == [f"good_{n}"]


def test_raise_points_at_the_users_line(loaded):
    error = only_error(loaded["raises.py"])
    assert error["kind"] == "import"
    assert error["message"] == "ValueError: planted failure"
    assert error["line"] == 4
    assert error["file"].endswith("raises.py")


def test_error_in_imported_helper_points_into_the_helper(loaded):
    error = only_error(loaded["helper_raises.py"])
    assert error["kind"] == "import"
    assert "NameError" in error["message"]
    assert error["file"].endswith("common/broken.py")
    assert error["line"] == 2


def test_infinite_loop_times_out(loaded):
    error = only_error(loaded["loops.py"])
    assert error["kind"] == "timeout"
    assert "longer than 4 s" in error["message"]


def test_sys_exit_is_reported_with_line(loaded):
    error = only_error(loaded["sys_exit.py"])
    assert error["kind"] == "exit"
    assert "sys.exit(3)" in error["message"]
    assert error["line"] == 4


def test_os_exit_is_reported(loaded):
    error = only_error(loaded["os_exit.py"])
    assert error["kind"] == "exit"
    assert "ended the process" in error["message"]


def test_segfault_is_reported(loaded):
    error = only_error(loaded["segfault.py"])
    assert error["kind"] == "crashed"
    assert "SIGSEGV" in error["message"]


def test_unbounded_allocation_hits_the_memory_cap(loaded):
    error = only_error(loaded["allocates.py"])
    assert error["kind"] == "memory"
    assert "memory" in error["message"]
