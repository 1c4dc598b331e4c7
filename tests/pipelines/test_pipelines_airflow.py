"""Pipelines in a real Airflow (`dagyard dev`: DAG processor, API server, scheduler).

One broken pipeline among good ones: the good ones are DAGs, the broken one is an import error
stored under its own YAML file, with its line and column, in the REST API; a saved fix shows up.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from support import start_dev

GOOD = """pipeline: {id}
owner: ana@example.com
schedule: "@daily"
start_date: 2024-01-01
tags: [dev]
retries: 1
steps:
  extract:
    uses: bash
    with: {{command: echo {id}}}
  load:
    uses: bash
    needs: [extract]
    with: {{command: echo done}}
"""


def wait_for(probe, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"not seen within {timeout} s: {probe.__doc__}")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    folder = root / "dags" / "_development"
    folder.mkdir(parents=True)
    (root / "dagyard.toml").write_text(
        '[owners]\nemail_domains = ["example.com"]\n[dev]\nparallelism = 2\n'
    )
    for n in range(3):
        (folder / f"good_{n}.pipeline.yaml").write_text(GOOD.format(id=f"good_{n}"))
    broken = GOOD.format(id="broken").replace("retries: 1", "retries: two")
    (folder / "broken.pipeline.yaml").write_text(broken)
    return root


def test_the_dag_processor_attributes_the_error_to_the_yaml_file(repo):
    dev = start_dev(repo)
    try:
        with dev.client() as api:

            def dags():
                """the three good pipelines listed as DAGs"""
                listed = api.get("/api/v2/dags").json()["dags"]
                return {d["dag_id"]: d for d in listed} if len(listed) >= 3 else None

            def errors():
                """an import error for broken.pipeline.yaml"""
                found = api.get("/api/v2/importErrors").json()["import_errors"]
                return [e for e in found if e["filename"].endswith("broken.pipeline.yaml")]

            listed = wait_for(dags)
            assert set(listed) == {"good_0", "good_1", "good_2"}
            assert listed["good_0"]["fileloc"].endswith("_development/good_0.pipeline.yaml")
            assert [o for o in listed["good_0"]["owners"]] == ["ana@example.com"]
            error = wait_for(errors)[0]
            assert error["filename"] == "broken.pipeline.yaml"
            trace = error["stack_trace"]
            assert "broken.pipeline.yaml:6:10: 'retries' must be a whole number, not 'two'" in trace
            assert "    retries: two\n             ^^^" in trace

            # the terminal shows the first error as file:line:col at once
            dev.wait_for_output("broken.pipeline.yaml")
            path = repo / "dags" / "_development" / "broken.pipeline.yaml"
            path.write_text(path.read_text().replace("retries: two", "retries: tree"))
            out = dev.wait_for_output("'tree'", timeout=30)
            assert "dags/_development/broken.pipeline.yaml:6:10: 'retries' must be a whole" in out

            path.write_text(path.read_text().replace("retries: tree", "retries: 3"))

            def fixed():
                """broken becomes a DAG and its import error goes away"""
                ids = {d["dag_id"] for d in api.get("/api/v2/dags").json()["dags"]}
                return "broken" in ids and not errors()

            wait_for(fixed, timeout=60)
    finally:
        dev.stop()


TEMPLATE = '''
from pydantic import Field
from dagyard import Template, TemplateConfig


class Greet(Template):
    """Say hello."""

    name = "greet"

    class Config(TemplateConfig):
        who: str = Field(description="whom to greet")

    def build(self, config, step):
        from airflow.providers.standard.operators.bash import BashOperator
        return BashOperator(task_id=step.id, bash_command=f"echo hello {config.who}")
'''


def test_a_saved_template_re_reads_the_pipelines_that_use_it(tmp_path):
    root = tmp_path / "repo"
    folder = root / "dags" / "_development"
    folder.mkdir(parents=True)
    (root / "templates").mkdir()
    (root / "templates" / "greet.py").write_text(TEMPLATE)
    (root / "dagyard.toml").write_text('[owners]\nemail_domains = ["example.com"]\n')
    (folder / "hello.pipeline.yaml").write_text(
        "pipeline: hello\nowner: ana@example.com\nstart_date: 2024-01-01\nsteps:\n"
        "  greet:\n    uses: greet\n    with: {who: world}\n"
    )
    dev = start_dev(root)
    try:
        dev.wait_for_output("hello")
        template = root / "templates" / "greet.py"
        template.write_text(
            TEMPLATE.replace(
                'who: str = Field(description="whom to greet")',
                'who: str = Field(description="whom to greet")\n        times: int',
            )
        )
        out = dev.wait_for_output("'times' is missing", timeout=30)
        assert "dags/_development/hello.pipeline.yaml:7:5: 'times' is missing in 'with'" in out
    finally:
        dev.stop()
