"""`dagyard dev` says it is ready once every file Airflow parses has been seen, and only then.

A helper that mentions "airflow" and "dag" but defines no DAG, a DAG file excluded by
`.airflowignore`, and pipeline files must neither hold the start back nor be skipped.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from support import SMALL_DAG, start_dev

HELPER = '"""Helpers for our airflow dag files: this module defines no DAG."""\n\nGREETING = "hi"\n'
PIPELINE = (
    "pipeline: {id}\nowner: ana@example.com\nstart_date: 2024-01-01\nsteps:\n"
    "  say:\n    uses: bash\n    with: {{command: echo {id}}}\n"
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    folder = root / "dags" / "_development"
    folder.mkdir(parents=True)
    (root / "dagyard.toml").write_text('[owners]\nemail_domains = ["example.com"]\n')
    (folder / "real.py").write_text(SMALL_DAG.format(dag_id="real", owner="ana@example.com"))
    (folder / "helper.py").write_text(HELPER)
    (folder / "ignored.py").write_text(SMALL_DAG.format(dag_id="ignored", owner="a@example.com"))
    (folder / ".airflowignore").write_text("ignored.py\n")
    (folder / "greet.pipeline.yaml").write_text(PIPELINE.format(id="greet"))
    broken = PIPELINE.format(id="broken").replace("uses: bash", "uses: no_such_template")
    (folder / "broken.pipeline.yaml").write_text(broken)
    return root


DRIVER = """
import json, sys
from pathlib import Path
from dagyard.airflow_env import Bundle
from dagyard.config import load_config
from dagyard.dev.readiness import ParseProgress, STALL_SECONDS, files_airflow_parses
from dagyard.parsing import runtime

root = Path(sys.argv[1])
runtime.prepare(load_config(root))
now = [0.0]
expected = files_airflow_parses([Bundle("_development", root / "dags" / "_development")])
progress = ParseProgress(expected, root, clock=lambda: now[0])
dags = [{"bundle_name": "_development", "relative_fileloc": "greet.pipeline.yaml"}]
errors = [{"bundle_name": "_development", "filename": "broken.pipeline.yaml"}]
first = progress.missing(dags, lambda: errors)
progress.settle(first)  # too early: nothing is loaded yet
early = sorted(progress.without_dags)
now[0] += STALL_SECONDS
progress.settle(progress.missing(dags, lambda: errors))
print(json.dumps({
    "expected": sorted(f.path for f in expected),
    "first": sorted(f.path for f in first),
    "early": early,
    "without_dags": sorted(f.path for f in progress.without_dags),
    "after": sorted(f.path for f in progress.missing(dags, lambda: errors)),
}))
"""


def test_the_files_waited_for_follow_airflow_and_a_helper_stops_the_wait(repo):
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(repo)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["expected"] == [
        "broken.pipeline.yaml",
        "greet.pipeline.yaml",
        "helper.py",
        "real.py",
    ]
    assert seen["first"] == ["helper.py", "real.py"]
    assert seen["early"] == []
    assert seen["without_dags"] == ["helper.py"]  # real.py defines a DAG: still waited for
    assert seen["after"] == ["real.py"]


def test_dev_is_ready_despite_a_helper_and_an_ignored_dag_file(repo):
    for pipeline in (repo / "dags" / "_development").glob("*.pipeline.yaml"):
        pipeline.unlink()  # they are waited for too (see the pipelines' own dev tests)
    dev = start_dev(repo)  # fails after 180 s when the start waits for a file that never shows
    try:
        assert "✔ 1 DAG(s) from dags/_development: real" in dev.text()
    finally:
        dev.stop()


def test_a_folder_whose_files_all_fail_says_so_instead_of_listing_no_dag(tmp_path):
    root = tmp_path / "repo"
    folder = root / "dags" / "_development"
    folder.mkdir(parents=True)
    (root / "dagyard.toml").write_text('[owners]\nemail_domains = ["example.com"]\n')
    (folder / "broken.py").write_text("from airflow.sdk import DAG\n\nraise ValueError('no')\n")
    dev = start_dev(root)
    try:
        out = dev.text()
        assert "! no DAG yet in dags/_development: 1 file(s) there do not load (below)" in out
        assert "✗ dags/_development/broken.py:3: ValueError: no" in out
    finally:
        dev.stop()
