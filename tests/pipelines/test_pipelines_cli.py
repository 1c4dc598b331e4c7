"""`dagyard pipelines templates | schema | new`, and the platform team's catalogue."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from dagyard.config import load_config
from dagyard.pipelines.catalogue import load_catalogue
from dagyard.pipelines.load import load_pipeline
from dagyard.pipelines.reader import read
from support import DAGYARD, EXAMPLE_REPO

TEMPLATE_V1 = '''
from pydantic import Field
from dagyard import Template, TemplateConfig


class Load(Template):
    """Load a table (first version)."""

    name = "load_to_warehouse"
    version = 1

    class Config(TemplateConfig):
        table: str = Field(description="target table")

    def build(self, config, step):
        from airflow.providers.standard.operators.bash import BashOperator
        return BashOperator(task_id=step.id, bash_command=f"load {config.table}")


class LoadV2(Template):
    """Load a table from a SQL file."""

    name = "load_to_warehouse"
    version = 2

    class Config(TemplateConfig):
        table: str = Field(description="target table")
        mode: str = Field(default="append", pattern="^(append|replace)$", description="how")

    def build(self, config, step):
        from airflow.providers.standard.operators.bash import BashOperator
        return BashOperator(task_id=step.id, bash_command=f"load {config.mode} {config.table}")
'''


def dagyard(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([DAGYARD, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "dags" / "mart").mkdir(parents=True)
    (root / "templates").mkdir()
    (root / "templates" / "warehouse.py").write_text(TEMPLATE_V1)
    (root / "dagyard.toml").write_text('[owners]\nemail_domains = ["example.com"]\n')
    return root


def pipeline(root: Path, uses: str, with_: str) -> Path:
    path = root / "dags" / "mart" / "load.pipeline.yaml"
    path.write_text(
        "pipeline: load\nowner: ana@example.com\nstart_date: 2024-01-01\nsteps:\n"
        f"  load:\n    uses: {uses}\n    with: {with_}\n"
    )
    return path


def test_versions_let_old_pipelines_keep_working(repo):
    config = load_config(repo)
    old = load_pipeline(pipeline(repo, "load_to_warehouse@v1", "{table: t}"), config)
    assert old.dag.get_task("load").bash_command == "load t"
    new = load_pipeline(pipeline(repo, "load_to_warehouse", "{table: t, mode: replace}"), config)
    assert new.dag.get_task("load").bash_command == "load replace t"
    wrong = load_pipeline(pipeline(repo, "load_to_warehouse@v1", "{table: t, mode: x}"), config)
    assert [(p.line, p.column, p.text) for p in wrong.problems] == [(7, 22, "mode")]
    assert (
        "'mode' is not a setting of the template 'load_to_warehouse'" in wrong.problems[0].message
    )


def test_a_broken_template_file_is_reported_and_hides_no_other_template(repo):
    (repo / "templates" / "broken.py").write_text("import nowhere_to_be_found\n")
    catalogue = load_catalogue(repo / "templates")
    assert sorted(catalogue.templates)[:2] == ["bash", "kubernetes_pod"]
    assert set(catalogue.templates["load_to_warehouse"]) == {1, 2}
    [problem] = catalogue.broken
    assert problem.file.name == "broken.py" and problem.line == 1
    assert "ModuleNotFoundError" in problem.message
    loaded = load_pipeline(pipeline(repo, "lod_to_warehouse", "{table: t}"), load_config(repo))
    message = loaded.problems[0].message
    assert "Did you mean 'load_to_warehouse'?" in message
    assert "broken.py could not be loaded" in message


def test_templates_lists_every_template_and_its_fields(repo):
    done = dagyard("pipelines", "templates", cwd=repo)
    assert done.returncode == 0, done.stderr
    for name in ("bash@v1", "python@v1", "sql@v1", "kubernetes_pod@v1", "wait_for@v1"):
        assert name in done.stdout
    assert "load_to_warehouse@v2  Load a table from a SQL file." in done.stdout
    assert "default 'append'" in done.stdout


def test_the_schema_types_with_by_uses(repo):
    done = dagyard("pipelines", "schema", cwd=repo)
    assert done.returncode == 0, done.stderr
    schema = json.loads((repo / "pipeline.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    def errors(uses: str, with_: str) -> list[str]:
        data = read(pipeline(repo, uses, with_)).data
        return [e.message for e in validator.iter_errors(data)]

    assert errors("load_to_warehouse@v2", "{table: t, mode: replace}") == []
    assert errors("bash", "{command: echo}") == []
    assert errors("bash", "{comand: echo}")  # a typo in `with`
    assert errors("load_to_warehouse@v1", "{table: t, mode: replace}")  # v1 has no mode
    assert errors("bsh", "{command: echo}")  # unknown template
    for example in (EXAMPLE_REPO / "dags").rglob("*.pipeline.yaml"):
        shutil.copy(example, repo / "dags" / "mart" / example.name)
    (repo / "dags" / "mart" / "load.pipeline.yaml").unlink()
    example_schema = dagyard("pipelines", "schema", "-o", "x.json", cwd=EXAMPLE_REPO)
    assert example_schema.returncode == 0
    try:
        strict = jsonschema.Draft202012Validator(json.loads((EXAMPLE_REPO / "x.json").read_text()))
    finally:
        (EXAMPLE_REPO / "x.json").unlink()
    for example in (repo / "dags" / "mart").glob("*.pipeline.yaml"):
        assert list(strict.iter_errors(read(example).data)) == [], example.name


def test_new_writes_a_valid_pipeline(repo):
    done = dagyard(
        "pipelines", "new", "--name", "weekly_kpis", "--folder", "mart",
        "--owner", "ana@example.com", "--schedule", "0 7 * * 1", "--command", "echo kpis",
        cwd=repo,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    path = repo / "dags" / "mart" / "weekly_kpis.pipeline.yaml"
    loaded = load_pipeline(path, load_config(repo))
    assert loaded.problems == [] and loaded.dag.dag_id == "weekly_kpis"
    assert loaded.dag.get_task("first_step").bash_command == "echo kpis"
    again = dagyard(
        "pipelines", "new", "--name", "other", "--folder", "mart", "--owner", "bob",
        "--schedule", "@daily", "--command", "x", cwd=repo,
    )  # fmt: skip
    assert again.returncode == 2
    assert "not an e-mail address" in again.stdout + again.stderr
    assert not (repo / "dags" / "mart" / "other.pipeline.yaml").exists()


def test_a_template_whose_build_fails_is_reported_at_the_step(repo):
    (repo / "templates" / "faulty.py").write_text(
        "from dagyard import Template\n\n\n"
        "class Faulty(Template):\n"
        '    """Always fails."""\n\n'
        '    name = "faulty"\n\n'
        "    def build(self, config, step):\n"
        '        raise RuntimeError("no warehouse configured")\n'
    )
    loaded = load_pipeline(pipeline(repo, "faulty", "{}"), load_config(repo))
    [problem] = loaded.problems
    assert (problem.line, problem.column, problem.text) == (6, 11, "faulty")
    assert problem.message == (
        "the step 'load' could not be built: RuntimeError: no warehouse configured"
    )
    assert "ask the platform team" in problem.hint


def test_the_documented_schema_is_the_generated_one():
    from dagyard.pipelines.schema import pipeline_schema

    documented = json.loads((EXAMPLE_REPO.parents[1] / "docs" / "pipeline.schema.json").read_text())
    assert documented == pipeline_schema(load_catalogue(None))
