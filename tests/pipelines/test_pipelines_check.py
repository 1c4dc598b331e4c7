"""`dagyard check` on pipelines: the same engine, formats, selection and rules as for DAG files;
one broken pipeline never hides the others."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from support import DAGYARD

GOOD = """pipeline: {id}
owner: ana@example.com
schedule: "@daily"
start_date: 2024-01-01
tags: [mart]
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


def dagyard(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [DAGYARD, *args], capture_output=True, text=True, timeout=240, cwd=cwd, env=env
    )


def git(root: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with 6 good pipelines and one with `retries: two`."""
    root = tmp_path / "repo"
    (root / "dags" / "mart").mkdir(parents=True)
    (root / "dagyard.toml").write_text('[owners]\nemail_domains = ["example.com"]\n')
    for n in range(6):
        (root / "dags" / "mart" / f"good_{n}.pipeline.yaml").write_text(GOOD.format(id=f"good_{n}"))
    broken = GOOD.format(id="broken").replace("retries: 1", "retries: two")
    (root / "dags" / "mart" / "broken.pipeline.yml").write_text(broken)
    return root


def findings(done: subprocess.CompletedProcess) -> dict:
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise AssertionError(f"not JSON:\n{done.stdout}\n{done.stderr}") from None


def test_one_broken_pipeline_does_not_hide_the_others(repo):
    done = dagyard("check", "--all", "--format", "json", cwd=repo)
    report = findings(done)
    assert done.returncode == 1
    assert [(f["rule"], f["file"], f["line"], f["column"]) for f in report["findings"]] == [
        ("DY170", "dags/mart/broken.pipeline.yml", 6, 10)
    ]
    assert report["findings"][0]["message"] == "'retries' must be a whole number, not 'two'"
    assert report["findings"][0]["source"] == "retries: two"
    assert report["summary"]["files"] == 7 and report["summary"]["dags"] == 6


def test_github_and_sarif_carry_the_column(repo):
    github = dagyard("check", "--all", "--format", "github", cwd=repo).stdout
    assert "::error file=dags/mart/broken.pipeline.yml,line=6,col=10,title=DY170" in github
    sarif = json.loads(dagyard("check", "--all", "--format", "sarif", cwd=repo).stdout)
    result = sarif["runs"][0]["results"][0]
    assert result["ruleId"] == "DY170"
    assert result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 6,
        "startColumn": 10,
    }


def test_text_output_shows_file_line_and_column(repo):
    done = dagyard("check", "dags/mart/broken.pipeline.yml", cwd=repo)
    assert done.returncode == 1
    assert "dags/mart/broken.pipeline.yml" in done.stdout
    assert "6:10  error   DY170 'retries' must be a whole number" in done.stdout
    assert "fix: write a number, e.g. retries: 2" in done.stdout


def test_python_dag_rules_apply_to_pipelines(repo):
    """Duplicate ids (DY104), secrets (DY130) and team folders apply to YAML as to Python."""
    mart = repo / "dags" / "mart"
    (mart / "copy.pipeline.yaml").write_text(GOOD.format(id="good_1"))
    leaky = GOOD.format(id="leaky").replace(
        "command: echo done", 'command: echo done, env: {DB_PASSWORD: "Xk9mP2vL8qR4nTzq"}'
    )
    (mart / "leaky.pipeline.yaml").write_text(leaky)
    report = findings(
        dagyard(
            "check",
            "dags/mart/copy.pipeline.yaml",
            "dags/mart/leaky.pipeline.yaml",
            "--format",
            "json",
            cwd=repo,
        )
    )
    got = {(f["rule"], f["file"], f["line"]) for f in report["findings"]}
    assert ("DY104", "dags/mart/copy.pipeline.yaml", 1) in got
    assert ("DY130", "dags/mart/leaky.pipeline.yaml", 14) in got
    message = next(f["message"] for f in report["findings"] if f["rule"] == "DY104")
    assert "dags/mart/good_1.pipeline.yaml" in message


OUTSIDER_DAG = """from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG("outsider_dag", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False,
         tags=["mart"], default_args={{"owner": "{owner}", "retries": 1}}):
    BashOperator(task_id="extract", bash_command="echo")
"""


def outsiders(repo: Path, owner: str = "ana@gmail.com") -> tuple[Path, Path]:
    """A pipeline and a Python DAG, both owned by an address outside `[owners]`."""
    mart = repo / "dags" / "mart"
    pipeline = mart / "outsider.pipeline.yaml"
    pipeline.write_text(GOOD.format(id="outsider_pipeline").replace("ana@example.com", owner, 1))
    dag = mart / "outsider_dag.py"
    dag.write_text(OUTSIDER_DAG.format(owner=owner))
    return pipeline, dag


def owner_findings(repo: Path, *files: str) -> tuple[int, list[tuple]]:
    done = dagyard("check", *files, "--format", "json", cwd=repo)
    report = findings(done)
    where = ("rule", "severity", "file", "line", "column")
    return done.returncode, [tuple(f[key] for key in where) for f in report["findings"]]


def test_an_owner_outside_the_company_is_the_same_error_for_a_pipeline_and_a_python_dag(repo):
    outsiders(repo)
    files = ("dags/mart/outsider.pipeline.yaml", "dags/mart/outsider_dag.py")
    code, got = owner_findings(repo, *files)
    assert code == 1
    assert got == [
        ("DY110", "error", "dags/mart/outsider.pipeline.yaml", 2, 8),
        ("DY110", "error", "dags/mart/outsider_dag.py", 7, None),
    ]
    report = findings(dagyard("check", files[0], "--format", "json", cwd=repo))
    [finding] = report["findings"]
    assert finding["message"] == (
        "pipeline 'outsider_pipeline' has the owner 'ana@gmail.com', which is not an address of "
        "example.com"
    )
    assert finding["hint"] == (
        "write the e-mail address of the person responsible, e.g. owner: name@example.com"
    )


def test_the_owner_rule_is_configured_and_silenced_the_same_way_for_both(repo):
    pipeline, dag = outsiders(repo)
    files = ("dags/mart/outsider.pipeline.yaml", "dags/mart/outsider_dag.py")
    toml = repo / "dagyard.toml"
    toml.write_text(toml.read_text() + '[check]\nseverity = { DY110 = "warning" }\n')
    code, got = owner_findings(repo, *files)
    assert code == 0
    assert [(rule, severity) for rule, severity, *_ in got] == [("DY110", "warning")] * 2
    pipeline.write_text(
        pipeline.read_text().replace(
            "owner: ana@gmail.com", "owner: ana@gmail.com  # dagyard: ignore[DY110]"
        )
    )
    silenced = '"retries": 1}):  # dagyard: ignore[DY110]'
    dag.write_text(dag.read_text().replace('"retries": 1}):', silenced))
    assert owner_findings(repo, *files) == (0, [])


def test_a_pipeline_that_does_not_load_still_has_its_owner_checked(repo):
    pipeline, _ = outsiders(repo)
    pipeline.write_text(pipeline.read_text().replace("retries: 1", "retries: two"))
    code, got = owner_findings(repo, "dags/mart/outsider.pipeline.yaml")
    assert code == 1
    assert got == [
        ("DY110", "error", "dags/mart/outsider.pipeline.yaml", 2, 8),
        ("DY170", "error", "dags/mart/outsider.pipeline.yaml", 6, 10),
    ]


def test_changed_selects_the_pipelines_changed_in_git(repo):
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "start")
    git(repo, "checkout", "-qb", "work")
    path = repo / "dags" / "mart" / "good_2.pipeline.yaml"
    path.write_text(path.read_text().replace("uses: bash\n    needs", "uses: bsh\n    needs"))
    report = findings(dagyard("check", "--changed", "--format", "json", cwd=repo))
    assert report["summary"]["checked"] == ["dags/mart/good_2.pipeline.yaml"]
    got = [(f["rule"], f["line"], f["column"]) for f in report["findings"]]
    assert got == [("DY170", 12, 11)]  # not also "vanished": the file fails, its DAG is not gone
    assert "Did you mean 'bash'?" in report["findings"][0]["message"]


def test_findings_on_pipelines_speak_of_pipelines_and_steps(repo):
    path = repo / "dags" / "mart" / "good_0.pipeline.yaml"
    path.write_text(path.read_text().replace("tags: [mart]\nretries: 1\n", ""))
    report = findings(dagyard("check", str(path), "--format", "json", cwd=repo))
    by_rule = {f["rule"]: f for f in report["findings"]}
    assert by_rule["DY140"]["message"] == (
        "pipeline 'good_0' has steps that do not set retries: extract, load"
    )
    assert (
        by_rule["DY140"]["hint"] == "add `retries: 2` (or an explicit `retries: 0`) to the pipeline"
    )
    assert by_rule["DY141"]["hint"] == "add tags so that people can find it, e.g. tags: [finance]"
    assert by_rule["DY141"]["line"] == 1


def test_a_changed_template_checks_every_pipeline(repo):
    (repo / "templates").mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "start")
    git(repo, "checkout", "-qb", "work")
    (repo / "templates" / "extra.py").write_text("from dagyard import Template\n")
    report = findings(dagyard("check", "--changed", "--format", "json", cwd=repo))
    assert len(report["summary"]["checked"]) == 7


def test_staged_selects_the_pipelines_staged_for_commit(repo):
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "start")
    staged = repo / "dags" / "mart" / "good_3.pipeline.yaml"
    staged.write_text(staged.read_text().replace("owner: ana@example.com", "owner: ana"))
    git(repo, "add", str(staged))
    unstaged = repo / "dags" / "mart" / "good_4.pipeline.yaml"
    unstaged.write_text(unstaged.read_text().replace("retries: 1", "retries: x"))
    report = findings(dagyard("check", "--staged", "--format", "json", cwd=repo))
    assert report["summary"]["checked"] == ["dags/mart/good_3.pipeline.yaml"]
    got = [(f["rule"], f["line"], f["column"]) for f in report["findings"]]
    assert got == [("DY110", 2, 8)]
