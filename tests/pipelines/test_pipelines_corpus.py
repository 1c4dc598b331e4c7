"""Every mistake of the broken-pipeline corpus, reported at its exact line and column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dagyard.config import load_config
from dagyard.pipelines.load import describe, load_pipeline

CORPUS = Path(__file__).parent / "corpus"

# file -> every problem expected: (line, column, offending text, words of the message)
EXPECTED = {
    "tab_indent": [(7, 1, "\t", "a tab is used for indentation")],
    "bad_indentation": [(8, 4, "with", "indented differently")],
    "over_indented_key": [(3, 3, "start_date", "indented differently")],
    "missing_colon": [(2, 1, "owner ana@example.com", "its ':' is missing")],
    "unclosed_list": [(4, 7, "[", "this [ or { is opened but never closed")],
    "unclosed_quote": [(5, 14, '"Daily sales', "quote is opened but never closed")],
    "duplicate_key": [(5, 1, "owner", "'owner' is written twice (it is already set on line 2)")],
    "unknown_key": [(5, 1, "tagz", "'tagz' is not a setting of a pipeline. Did you mean 'tags'?")],
    "unknown_template": [(7, 11, "bsh", "no template 'bsh'. Did you mean 'bash'?")],
    "unknown_template_version": [(7, 11, "bash@v3", "'bash' has no version 3 (it has v1)")],
    "unknown_need": [
        (9, 13, "extrct", "no step 'extrct' in this pipeline. Did you mean 'extract'?")
    ],
    "unknown_step_key": [
        (8, 5, "need", "'need' is not a setting of a step. Did you mean 'needs'?")
    ],
    "unknown_with_key": [
        (8, 5, "with", "'command' is missing in 'with'"),
        (9, 7, "comand", "not a setting of the template 'bash'. Did you mean 'command'?"),
    ],
    "retries_two": [(5, 10, "two", "'retries' must be a whole number, not 'two'")],
    "bad_cron": [(3, 11, '"0 25 * * *"', "the schedule '0 25 * * *' is not a valid cron")],
    "bad_date": [(3, 13, "2024-13-01", "'start_date' must be a date like 2024-01-01")],
    "missing_owner": [(1, 1, "pipeline", "'owner' is missing")],
    "cycle": [(8, 5, "needs", "in a circle: extract → publish → load → extract")],
    "missing_sql": [(10, 12, "sql/daily_sales.sql", "'sql/daily_sales.sql' does not exist")],
    "unknown_preset": [(10, 18, "huge", "no resources preset 'huge' (known: large, medium")],
    "python_missing_function": [(9, 17, "scripts.nowhere:main", "'scripts.nowhere' cannot be")],
}


@pytest.fixture(scope="module")
def config():
    return load_config(CORPUS)


def test_the_corpus_has_one_file_per_expected_mistake():
    names = {p.name.removesuffix(".pipeline.yaml") for p in (CORPUS / "dags/broken").iterdir()}
    assert names - {"sql"} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_mistake_is_reported_at_its_line_and_column(name, config):
    path = CORPUS / "dags" / "broken" / f"{name}.pipeline.yaml"
    loaded = load_pipeline(path, config)
    assert loaded.dag is None
    got = [(p.line, p.column, p.text) for p in loaded.problems]
    assert got == [(line, col, text) for line, col, text, _ in EXPECTED[name]]
    for problem, (*_, words) in zip(loaded.problems, EXPECTED[name], strict=True):
        assert words in problem.message
        assert problem.file == path.resolve()
        assert problem.hint  # every problem says what to do


@pytest.mark.parametrize(
    ("name", "owner"), [("owner_other_domain", "ana@gmail.com"), ("owner_not_address", "ana")]
)
def test_an_owner_the_organisation_does_not_accept_still_loads(name, owner, config):
    """As a Python DAG with that owner does: `dagyard check` reports it (DY110), the load
    does not, so that production never loses a pipeline over whose address owns it."""
    path = CORPUS / "dags" / "owners" / f"{name}.pipeline.yaml"
    loaded = load_pipeline(path, config)
    assert loaded.problems == []
    assert loaded.dag.dag_id == name and loaded.dag.default_args["owner"] == owner


def test_a_problem_renders_with_the_line_a_caret_and_the_fix(config):
    path = CORPUS / "dags" / "broken" / "retries_two.pipeline.yaml"
    text = describe(load_pipeline(path, config).problems)
    assert text.splitlines() == [
        f"{path.resolve()}:5:10: 'retries' must be a whole number, not 'two'",
        "    retries: two",
        "             ^^^",
        "  what to do: write a number, e.g. retries: 2",
    ]


def test_all_mistakes_of_one_file_are_reported_at_once(tmp_path, config):
    path = tmp_path / "many.pipeline.yaml"
    path.write_text(
        "pipeline: many\nowner: bob\nstart_date: 2024-01-01\nretries: two\n"
        "steps:\n  a: {uses: bsh}\n  b: {uses: bash, needs: [c], with: {command: x}}\n"
    )
    loaded = load_pipeline(path, config)
    assert [(p.line, p.column) for p in loaded.problems] == [(4, 10), (6, 13), (7, 27)]


def test_a_good_pipeline_builds_its_dag_from_the_file(tmp_path):
    shutil.copy(CORPUS / "dagyard.toml", tmp_path / "dagyard.toml")
    config = load_config(tmp_path)
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "sales.sql").write_text("select 1")
    path = tmp_path / "sales.pipeline.yaml"
    path.write_text(
        "pipeline: sales\nowner: ana@example.com\nschedule: '0 3 * * *'\n"
        "start_date: 2024-01-01\ntags: [mart]\nretries: 2\nsteps:\n"
        "  extract: {uses: bash, with: {command: 'echo {{ ds }}'}}\n"
        "  load:\n    uses: sql\n    needs: [extract]\n"
        "    with: {connection: warehouse, sql: sql/sales.sql}\n"
        "  train:\n    uses: kubernetes_pod\n    needs: [load]\n"
        "    with: {image: 'python:3.11', command: [python, -V], resources: small}\n"
        "  wait: {uses: wait_for, with: {pipeline: upstream, step: done}}\n"
        "  next: {uses: trigger, needs: [train], with: {pipeline: downstream}}\n"
    )
    loaded = load_pipeline(path, config)
    assert loaded.problems == []
    dag = loaded.dag
    assert dag.dag_id == "sales" and dag.fileloc == str(path.resolve())
    assert dag.tags == {"mart"} and dag.default_args["owner"] == "ana@example.com"
    tasks = {t.task_id: t for t in dag.tasks}
    assert {k: type(v).__name__ for k, v in tasks.items()} == {
        "extract": "BashOperator",
        "load": "SQLExecuteQueryOperator",
        "train": "KubernetesPodOperator",
        "wait": "ExternalTaskSensor",
        "next": "TriggerDagRunOperator",
    }
    assert tasks["load"].sql == "select 1" and tasks["load"].conn_id == "warehouse"
    assert tasks["load"].upstream_task_ids == {"extract"}
    assert tasks["train"].container_resources.limits == {"cpu": "500m", "memory": "1Gi"}
    assert tasks["extract"].retries == 2
    assert tasks["wait"].external_dag_id == "upstream"
    assert tasks["wait"].external_task_id == "done"
