"""What a DAG file does at the top level, through one real `dagyard check` run: look-ups of
variables and connections (DY107), hooks built at the top level, slow lines (DY146), errors
raised inside libraries (DY101 at the user's line) and the rules that still report when a file
does not load (owner, secrets, schedule)."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from support import DAGYARD

DAG_TAIL = textwrap.dedent(
    """
    with DAG(
        dag_id="{dag_id}",
        schedule="@daily",
        start_date=datetime(2024, 1, 1),
        catchup=False,
        tags=["data_mart"],
        default_args={{"owner": "a@example.com", "retries": 1}},
    ):
        EmptyOperator(task_id="only")
    """
)
HEAD = textwrap.dedent(
    """\
    from datetime import datetime

    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG
    """
)

FILES = {
    "dags/lookups.py": HEAD
    + textwrap.dedent(
        """
        from airflow.sdk import BaseHook, Variable, task

        from shared.settings import warehouse_schema
        from shared.team_hook import TeamHook

        TABLE = Variable.get("report_table")
        SCHEMA = warehouse_schema()
        DWH = BaseHook.get_connection("dwh")
        HOOK = TeamHook()


        @task
        def inside():
            return Variable.get("read_at_run_time")
        """
    )
    + DAG_TAIL.format(dag_id="lookups"),
    "dags/shared/__init__.py": "",
    "dags/shared/settings.py": textwrap.dedent(
        """
        from airflow.sdk import Variable


        def warehouse_schema():
            return Variable.get("warehouse_schema")
        """
    ),
    "dags/shared/team_hook.py": textwrap.dedent(
        """
        from airflow.sdk import BaseHook


        class TeamHook(BaseHook):
            def get_conn(self):
                return None
        """
    ),
    "dags/slow.py": HEAD
    + textwrap.dedent(
        """
        import time

        FAST = 1
        time.sleep(1.5)
        """
    )
    + DAG_TAIL.format(dag_id="slow"),
    "dags/library_error.py": HEAD
    + textwrap.dedent(
        """
        from shared.dates import first_day

        START = first_day()
        """
    )
    + DAG_TAIL.format(dag_id="library_error"),
    "dags/shared/dates.py": textwrap.dedent(
        """
        from datetime import datetime


        def first_day():
            return datetime.strptime("2024-13-01", "%Y-%m-%d")
        """
    ),
    "dags/broken.py": HEAD
    + textwrap.dedent(
        """
        import not_installed_anywhere

        PASSWORD = "Zx9-kQ2vR7-tLm4wP8-sY3n"

        with DAG(
            dag_id="broken",
            schedule="0 25 * * *",
            start_date=datetime(2024, 1, 1),
            default_args={"owner": "bob", "retries": 1},
        ):
            EmptyOperator(task_id="only")
        """
    ),
    "dagyard.toml": textwrap.dedent(
        """
        [project]
        name = "top-level"

        [owners]
        email_domains = ["example.com"]

        [check]
        max_parse_seconds = 0.5
        """
    ),
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("top-level") / "repo"
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture(scope="module")
def report(repo: Path) -> dict:
    done = subprocess.run(
        [DAGYARD, "check", "--all", "-f", "json"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    return json.loads(done.stdout)


def line_of(repo: Path, name: str, text: str) -> int:
    lines = (repo / name).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def findings(report: dict, rule: str, file: str) -> list[dict]:
    return [f for f in report["findings"] if f["rule"] == rule and f["file"] == file]


def test_variables_read_at_parse_time_are_named_at_the_reading_line(report, repo):
    found = {(f["file"], f["line"]) for f in report["findings"] if f["rule"] == "DY107"}
    assert found >= {
        ("dags/lookups.py", line_of(repo, "dags/lookups.py", 'Variable.get("report_table")')),
        ("dags/shared/settings.py", line_of(repo, "dags/shared/settings.py", "Variable.get(")),
        ("dags/lookups.py", line_of(repo, "dags/lookups.py", "get_connection(")),
        ("dags/lookups.py", line_of(repo, "dags/lookups.py", "HOOK = TeamHook()")),
    }
    messages = " ".join(f["message"] for f in findings(report, "DY107", "dags/lookups.py"))
    assert "the variable 'report_table' is read while Airflow parses the file" in messages
    assert "the connection 'dwh' is read while Airflow parses the file" in messages
    assert "the hook `TeamHook(...)` at the top level" in messages
    assert "read_at_run_time" not in json.dumps(report)  # inside a task: not at parse time


def test_a_variable_read_in_a_helper_points_at_the_helper_and_says_which_file(report):
    [finding] = findings(report, "DY107", "dags/shared/settings.py")
    assert finding["message"].endswith("(while loading dags/lookups.py)")
    assert "{{ var.value.warehouse_schema }}" in finding["hint"]


def test_the_slow_parse_names_the_top_level_line_that_took_the_time(report, repo):
    [finding] = findings(report, "DY146", "dags/slow.py")
    assert finding["line"] == line_of(repo, "dags/slow.py", "time.sleep(1.5)")
    assert "of it on this top-level line" in finding["message"]


def test_an_error_raised_inside_a_library_points_at_the_users_deepest_line(report, repo):
    [finding] = [
        f for f in report["findings"] if f["rule"] == "DY101" and "strptime" in f["source"]
    ]
    assert finding["file"] == "dags/shared/dates.py"
    assert finding["line"] == line_of(repo, "dags/shared/dates.py", "strptime(")
    assert "ValueError" in finding["message"]
    assert finding["message"].endswith("(while loading dags/library_error.py)")


def test_a_file_that_does_not_load_still_gets_its_source_findings(report, repo):
    rules = {f["rule"]: f for f in report["findings"] if f["file"] == "dags/broken.py"}
    assert rules["DY101"]["line"] == line_of(repo, "dags/broken.py", "import not_installed")
    assert rules["DY110"]["line"] == line_of(repo, "dags/broken.py", '"owner": "bob"')
    assert "'bob', which is not an e-mail address" in rules["DY110"]["message"]
    assert rules["DY130"]["line"] == line_of(repo, "dags/broken.py", "PASSWORD =")
    assert rules["DY143"]["line"] == line_of(repo, "dags/broken.py", "0 25 * * *")
