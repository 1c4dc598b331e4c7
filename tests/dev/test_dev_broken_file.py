"""What `dagyard dev` says about a file that does not load is what Airflow 3 really does.

At start-up and on save the error names the file under the repository, its line, and what to
do; the sentence about the DAG's fate is checked against the running Airflow: while the file
is broken, its DAG is stale, out of the list and cannot be triggered; after the fix it is back,
with the runs it had.
"""

from __future__ import annotations

import time

import pytest

from support import copy_example_repo, start_dev

pytestmark = pytest.mark.timeout(600)

FATE = "until the file loads again, Airflow hides its DAGs (they cannot be triggered)"
BROKEN_AT_START = '''"""Broken from the start."""

from airflow.sdk import dag

import not_installed_anywhere  # noqa: F401
'''


USES_BROKEN_HELPER = '''"""Loads a shared helper that imports a package nobody installed."""

from airflow.sdk import dag

from common.spreadsheets import read_sheet  # noqa: F401
'''


def until(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_a_broken_file_at_start_and_on_save(tmp_path):
    project = copy_example_repo(tmp_path / "repo")
    folder = project / "dags" / "_development"
    (folder / "broken_at_start.py").write_text(BROKEN_AT_START)
    (folder / "uses_helper.py").write_text(USES_BROKEN_HELPER)
    (project / "dags" / "common" / "spreadsheets.py").write_text(
        "import googleapiclient.discovery\n\n\ndef read_sheet():\n    pass\n"
    )
    dev = start_dev(project)
    try:
        text = dev.text()
        # start-up errors carry the folder and the line, like save-time errors
        assert (
            "✗ dags/_development/broken_at_start.py:5: ModuleNotFoundError: "
            "No module named 'not_installed_anywhere'"
        ) in text
        # an error in a helper names the DAG file that failed, then where it failed
        assert (
            "✗ dags/_development/uses_helper.py via dags/common/spreadsheets.py:1: "
            "ModuleNotFoundError: No module named 'googleapiclient'"
        ) in text
        # one command for every missing package, and what Airflow does meanwhile, once
        assert text.count("fix:") == 1
        assert "`dagyard deps add not-installed-anywhere google-api-python-client`" in text
        assert text.count("until a file loads again, Airflow hides its DAGs") == 1
        with dev.client() as api:
            assert api.post(
                "/api/v2/dags/hello_taskflow/dagRuns", json={"logical_date": None}
            ).is_success

            dag_file = folder / "hello_taskflow.py"
            good = dag_file.read_text()
            dag_file.write_text(good.replace("return sum(numbers)", "return sum(numbers"))
            dev.wait_for_output("hello_taskflow.py:", timeout=30)
            dev.wait_for_output("SyntaxError", timeout=30)
            assert FATE in dev.text()

            # what the sentence says, as the API shows it
            until(lambda: api.get("/api/v2/dags/hello_taskflow").json().get("is_stale"))
            listed = {d["dag_id"] for d in api.get("/api/v2/dags").json()["dags"]}
            assert "hello_taskflow" not in listed
            refused = api.post("/api/v2/dags/hello_taskflow/dagRuns", json={"logical_date": None})
            assert refused.status_code == 404

            dag_file.write_text(good)
            until(lambda: api.get("/api/v2/dags/hello_taskflow").json().get("is_stale") is False)
            listed = {d["dag_id"] for d in api.get("/api/v2/dags").json()["dags"]}
            assert "hello_taskflow" in listed
            runs = api.get("/api/v2/dags/hello_taskflow/dagRuns").json()["total_entries"]
            assert runs == 1
    finally:
        dev.stop()
