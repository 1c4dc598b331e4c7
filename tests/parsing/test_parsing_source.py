"""Locating DAGs, tasks and keywords in source, and suppression comments."""

from __future__ import annotations

from pathlib import Path

from dagyard.parsing.source import Source

TEXT = """from airflow.sdk import DAG, dag, task

with DAG(
    dag_id="classic",
    default_args={"owner": "bob"},  # dagyard: ignore[DY110]
):
    Op(task_id="first", in_cluster=False)  # dagyard: ignore


@dag(schedule=None)
def decorated():
    @task
    def step():
        pass


decorated()
"""


def test_locations():
    source = Source(Path("x.py"), TEXT)
    assert source.dag_line("classic") == 3
    assert source.dag_line("decorated") == 10
    assert source.task_line("first") == 7
    assert source.task_line("step") == 12
    assert source.keyword_line("owner") == 5
    assert source.keyword_line("in_cluster", near=7) == 7
    assert source.string_line("bob") == 5
    assert source.static_dag_ids() == ["classic", "decorated"]


def test_suppressions_by_line_and_rule():
    source = Source(Path("x.py"), TEXT)
    assert source.suppressed("DY110", 5)
    assert not source.suppressed("DY141", 5)
    assert source.suppressed("DY120", 7)  # bare ignore: every rule
    assert not source.suppressed("DY110", 3)
    assert not source.suppressed("DY110", None)


def test_file_level_suppression():
    source = Source(Path("x.py"), "# dagyard: ignore-file[DY141, dy142]\nx = 1\n")
    assert source.suppressed("DY141", None)
    assert source.suppressed("DY142", 2)
    assert not source.suppressed("DY140", 2)


def test_unparsable_file_has_no_locations():
    source = Source(Path("x.py"), "def broken(:\n")
    assert source.tree is None
    assert source.dag_line("x") is None
    assert source.line(1) == "def broken(:"
    assert source.line(5) == ""


def test_quick_dag_ids_match_the_parsed_ones():
    from dagyard.parsing.source import quick_dag_ids

    assert sorted(quick_dag_ids(TEXT)) == sorted(Source(Path("x.py"), TEXT).static_dag_ids())
    assert quick_dag_ids('DAG(dag_id=f"x_{name}")\n@dag(dag_id="c")\ndef d():\n    pass\n') == ["c"]


ASSETS = """
from airflow.sdk import DAG, asset

with DAG(dag_id="plain"):
    pass


@asset(schedule="@daily")
def daily_stats():
    pass


@asset(name="renamed_stats", schedule=None)
async def stats_function():
    pass


@asset
def bare():
    pass
"""


def test_an_asset_function_is_the_home_of_the_dag_it_makes():
    source = Source(Path("x.py"), ASSETS)
    assert source.dag_line("plain") == 4
    assert source.dag_line("daily_stats") == 8
    assert source.dag_line("renamed_stats") == 13
    assert source.dag_line("stats_function") is None
    assert source.dag_line("bare") == 18


def test_the_one_place_that_makes_a_dag_is_the_home_of_an_id_built_at_run_time():
    factory = (
        "for team in TEAMS:\n\n    @dag(dag_id=f'{team}_load')\n    def load():\n        pass\n"
    )
    assert Source(Path("x.py"), factory).dag_line("sales_load") == 3
    both = factory + "\n\n@asset(schedule=None)\ndef stats():\n    pass\n"
    assert Source(Path("x.py"), both).dag_line("sales_load") is None
