"""Which files `dagyard check` loads, compared with Airflow's own discovery function.

The repository has the shapes that used to make files vanish from the check: a test module
importing a DAG file, a DAG file importing another DAG file, a helper module (no DAG) imported
by three DAG files, a helper outside the DAGs folder, a file `.airflowignore` excludes and a
file Airflow's safe mode skips. Selection is computed by the real `Checker` in a child process
(Airflow imported once there); what Airflow parses comes from `list_py_file_paths`, called in
a separate process that never touches dagyard.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from support import DAGYARD, SMALL_DAG

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "COLUMNS": "250",
}

HELPER_USER = '''"""Uses the shared helper."""

from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

from shared.naming import table_name
from outside_dags import REGION

with DAG(
    dag_id="{dag_id}",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["data_mart"],
    default_args={{"owner": "a@example.com", "retries": 1}},
):
    EmptyOperator(task_id=table_name("{dag_id}") + REGION)
'''

FILES = {
    "dags/report_a.py": HELPER_USER.format(dag_id="report_a"),
    "dags/report_b.py": HELPER_USER.format(dag_id="report_b"),
    "dags/report_c.py": HELPER_USER.format(dag_id="report_c"),
    "dags/shared/__init__.py": "",
    "dags/shared/naming.py": '"""Table names (no pipelines here)."""\n\n\n'
    "def table_name(name):\n    return name.replace('-', '_')\n",
    "dags/child_dag.py": SMALL_DAG.format(dag_id="child_dag", owner="a@example.com"),
    "dags/parent.py": SMALL_DAG.format(dag_id="parent", owner="a@example.com").replace(
        '"""A small DAG."""\n', '"""A small DAG."""\n\nimport child_dag  # noqa: F401\n'
    ),
    "dags/ignored_dag.py": SMALL_DAG.format(dag_id="ignored_dag", owner="a@example.com"),
    "dags/.airflowignore": "ignored_dag.py\n",
    "dags/notes.py": '"""Not a pipeline: just numbers."""\n\nLIMIT = 3\n',
    "outside_dags.py": 'REGION = "_eu"\n',
    "tests/test_reports.py": "import report_a\nimport parent\nfrom shared import naming\n\n\n"
    "def test_dag():\n    assert report_a and parent and naming\n",
    "dagyard.toml": textwrap.dedent(
        """
        [project]
        name = "selection"
        dags_folder = "dags"

        [owners]
        email_domains = ["example.com"]
        """
    ),
}

PARSED = {
    "dags/report_a.py",
    "dags/report_b.py",
    "dags/report_c.py",
    "dags/child_dag.py",
    "dags/parent.py",
}
REPORTS = {"dags/report_a.py", "dags/report_b.py", "dags/report_c.py"}
# What a change to (or naming) each file must select.
EXPECTED = {
    "dags/report_a.py": {"dags/report_a.py"},
    "dags/report_b.py": {"dags/report_b.py"},
    "dags/report_c.py": {"dags/report_c.py"},
    "dags/shared/naming.py": REPORTS,
    "dags/shared/__init__.py": REPORTS,
    "outside_dags.py": REPORTS,
    "dags/child_dag.py": {"dags/child_dag.py", "dags/parent.py"},
    "dags/parent.py": {"dags/parent.py"},
    "dags/ignored_dag.py": set(),
    "dags/notes.py": set(),
    "tests/test_reports.py": set(),
}

SELECT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from dagyard.config import load_config
    from dagyard.rules.engine import Checker

    root = Path(sys.argv[1]).resolve()
    checker = Checker(load_config(root))
    rel = lambda paths: sorted(p.relative_to(root).as_posix() for p in paths)
    out = {"all": rel(checker.targets_all().dag_files), "named": {}, "notes": {}}
    for name in sys.argv[2:]:
        targets = checker.targets_for([root / name])
        out["named"][name] = rel(targets.dag_files)
        out["notes"][name] = list(targets.notes)
    print(json.dumps(out))
    """
)

AIRFLOW_LISTS = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from airflow.utils.file import list_py_file_paths

    root = Path(sys.argv[1]).resolve()
    found = list_py_file_paths(root / "dags", safe_mode=True)
    print(json.dumps(sorted(Path(p).resolve().relative_to(root).as_posix() for p in found)))
    """
)


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=240, env={**GIT_ENV, **env}
    )


def git(root: Path, *args: str) -> None:
    done = run(["git", *args], root)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("selection") / "repo"
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    return root.resolve()


@pytest.fixture(scope="module")
def airflow_parses(repo: Path) -> set[str]:
    home = repo.parent / "airflow-home"
    done = run([sys.executable, "-c", AIRFLOW_LISTS, str(repo)], repo, AIRFLOW_HOME=str(home))
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.fixture(scope="module")
def selected(repo: Path) -> dict:
    done = run([sys.executable, "-c", SELECT, str(repo), *EXPECTED], repo)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_airflow_itself_parses_the_files_the_test_expects(airflow_parses):
    assert airflow_parses == PARSED


def test_all_selects_exactly_what_airflow_parses(selected, airflow_parses):
    assert set(selected["all"]) == airflow_parses


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_named_file_selects_itself_or_the_parsed_files_importing_it(
    selected, airflow_parses, name
):
    chosen = set(selected["named"][name])
    assert chosen == EXPECTED[name]
    assert chosen <= airflow_parses


def test_named_files_airflow_skips_carry_the_precise_reason(selected):
    notes = selected["notes"]
    assert notes["dags/ignored_dag.py"] == [
        "dags/ignored_dag.py was not checked: an .airflowignore file in `dags/` excludes it, "
        "and no file Airflow parses imports it"
    ]
    assert notes["dags/notes.py"] == [
        "dags/notes.py was not checked: Airflow would skip it: it never mentions both "
        "'airflow' and 'dag', and no file Airflow parses imports it"
    ]
    assert notes["tests/test_reports.py"] == [
        "tests/test_reports.py was not checked: it is not under the DAGs folder `dags/`, "
        "and no file Airflow parses imports it"
    ]
    assert notes["dags/shared/naming.py"] == [
        "dags/shared/naming.py is not a DAG file Airflow parses (Airflow would skip it: it never "
        "mentions both 'airflow' and 'dag'); checked the 3 DAG file(s) that import it"
    ]
    for name in PARSED:
        assert notes[name] == []


def changed_selection(repo: Path, name: str) -> dict:
    git(repo, "checkout", "-q", "-B", f"change-{name.replace('/', '-')}", "main")
    path = repo / name
    path.write_text(path.read_text() + "\n# edited\n")
    git(repo, "commit", "-q", "-am", f"edit {name}")
    try:
        done = run([DAGYARD, "check", "--changed", "--base", "main", "-f", "json"], repo)
    finally:
        git(repo, "checkout", "-q", "main")
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return json.loads(done.stdout)["summary"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_changed_selects_what_a_change_can_affect(repo, airflow_parses, name):
    summary = changed_selection(repo, name)
    assert set(summary["checked"]) == EXPECTED[name]
    assert set(summary["checked"]) <= airflow_parses
    assert summary["airflow_parses"] == len(airflow_parses)
    if name == "dags/notes.py":
        assert summary["notes"] == [
            "dags/notes.py changed but was not checked: Airflow would skip it: it never "
            "mentions both 'airflow' and 'dag'"
        ]


def test_a_dag_file_a_test_imports_is_checked_by_the_cli(repo):
    done = run([DAGYARD, "check", "dags/report_a.py"], repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Airflow would parse 5 file(s) in dags/, checked 1 (1 DAG(s))" in done.stdout
    assert "only the files you named and the DAG files importing them were checked" in done.stdout


def test_all_says_how_many_files_airflow_parses_and_how_many_were_checked(repo):
    done = run([DAGYARD, "check", "--all"], repo)
    # parent.py imports child_dag.py, so Airflow registers 'child_dag' from both (DY104)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "DY104 the DAG id 'child_dag' is also used in dags/parent.py" in done.stdout
    assert "Airflow would parse 5 file(s) in dags/, checked 5 (6 DAG(s))" in done.stdout


def test_naming_only_files_airflow_skips_checks_nothing_and_exits_2(repo):
    done = run([DAGYARD, "check", "dags/notes.py", "dags/ignored_dag.py"], repo)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "All good" not in done.stdout
    assert "✗ Nothing checked: Airflow would parse 5 file(s) in dags/, checked 0" in done.stdout
    assert "dags/notes.py was not checked: Airflow would skip it" in done.stdout
    assert "dags/ignored_dag.py was not checked: an .airflowignore file" in done.stdout


def test_an_empty_dags_folder_is_not_all_good(tmp_path):
    (tmp_path / "dags").mkdir()
    (tmp_path / "dagyard.toml").write_text('[project]\nname = "empty"\n')
    done = run([DAGYARD, "check", "--all"], tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "✗ Nothing checked: Airflow would parse 0 file(s) in dags/" in done.stdout


def test_a_folder_brings_its_parsed_files_and_the_users_of_its_modules(repo):
    done = run([DAGYARD, "check", "dags/shared", "-f", "json"], repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(json.loads(done.stdout)["summary"]["checked"]) == REPORTS


def test_a_folder_with_nothing_airflow_parses_is_explained(repo):
    done = run([DAGYARD, "check", "tests"], repo)
    assert done.returncode == 2, done.stdout + done.stderr
    assert (
        "tests: Airflow would parse no file in this folder, and no file Airflow parses "
        "imports one" in done.stdout
    )


def test_zip_archives_airflow_parses_are_counted_and_said_to_be_unchecked(tmp_path):
    import io
    import zipfile

    (tmp_path / "dags").mkdir()
    (tmp_path / "dagyard.toml").write_text('[project]\nname = "zips"\n')
    (tmp_path / "dags" / "one.py").write_text(SMALL_DAG.format(dag_id="one", owner="a@x.com"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("packed.py", SMALL_DAG.format(dag_id="packed", owner="a@x.com"))
    (tmp_path / "dags" / "bundle.zip").write_bytes(buffer.getvalue())
    done = run([DAGYARD, "check", "--all"], tmp_path)
    assert (
        "Airflow would parse 2 file(s) in dags/, checked 1 (1 DAG(s))" in done.stdout
        and "not checked: 1 zip archive(s) (dagyard checks .py files)" in done.stdout
    ), done.stdout + done.stderr
    done = run([DAGYARD, "check", "dags/bundle.zip"], tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert (
        "dags/bundle.zip was not checked: dagyard checks .py files, not zip archives" in done.stdout
    )
