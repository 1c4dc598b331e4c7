"""`dagyard check` end to end: exit codes, modes, git, watch, baseline, hook and workflow."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from support import DAGYARD, REPO, SMALL_DAG, copy_example_repo

GOOD = SMALL_DAG

BIN = Path(sys.executable).parent
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
}


def dagyard(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [DAGYARD, *args],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=cwd,
        env={**GIT_ENV, "COLUMNS": "200"},
    )


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=root, env=GIT_ENV, capture_output=True, text=True, check=True
    )
    return done.stdout


def as_json(done: subprocess.CompletedProcess) -> dict:
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise AssertionError(f"not JSON:\n{done.stdout}\n{done.stderr}") from None


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    repo = copy_example_repo(tmp_path / "repo")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start")
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


def test_example_repo_is_clean_and_exits_0(dag_repo):
    done = dagyard("check", cwd=dag_repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All good" in done.stdout
    dag_files = [p for p in (dag_repo / "dags").rglob("*.py") if "common" not in p.parts]
    dag_files += list((dag_repo / "dags").rglob("*.pipeline.yaml"))
    n = len(dag_files)
    assert f"Airflow would parse {n} file(s) in dags/, checked {n} ({n} DAG(s))" in done.stdout


def test_text_output_points_at_the_line_and_exits_1(dag_repo):
    bad = dag_repo / "dags" / "data_mart" / "bad.py"
    bad.write_text(GOOD.format(dag_id="bad", owner="bob"))
    done = dagyard("check", str(bad), cwd=dag_repo)
    assert done.returncode == 1
    assert "dags/data_mart/bad.py" in done.stdout
    assert "14  error   DY110 DAG 'bad' has the owner 'bob', which is not an e-mail address" in (
        done.stdout
    )
    assert 'default_args={"owner": "bob", "retries": 1},' in done.stdout
    assert "fix: set the owner" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "'xml' is not one of 'text', 'json', 'github', 'sarif'"),
        (["--all", "--changed"], "choose one of"),
        (["--base", "main"], "--base only makes sense with --changed"),
        (["dags/nope.py"], "does not exist"),
        (["--explain", "DY999"], "there is no rule"),
    ],
)
def test_usage_errors_exit_2(dag_repo, args, message):
    done = dagyard("check", *args, cwd=dag_repo)
    assert done.returncode == 2
    assert message in done.stderr


def test_config_error_exits_2_with_its_line(dag_repo):
    config = dag_repo / "dagyard.toml"
    config.write_text(config.read_text() + '\n[check]\ndisable = ["DY11"]\n')
    done = dagyard("check", cwd=dag_repo)
    assert done.returncode == 2
    assert "dagyard.toml:" in done.stderr
    assert "'DY11' is not a rule id" in done.stderr


def test_changed_outside_git_exits_2(dag_repo):
    done = dagyard("check", "--changed", cwd=dag_repo)
    assert done.returncode == 2
    assert "git" in done.stderr


def test_explain_and_list_rules_follow_the_config(dag_repo):
    done = dagyard("check", "--explain", "dy120", cwd=dag_repo)
    assert done.returncode == 0
    assert "DY120 pod-local-settings" in done.stdout and "Fix" in done.stdout
    config = dag_repo / "dagyard.toml"
    config.write_text(
        config.read_text() + '\n[check]\ndisable = ["DY146"]\nseverity = { DY141 = "error" }\n'
    )
    listing = dagyard("check", "--list-rules", cwd=dag_repo).stdout
    assert "DY146  off" in listing
    assert "DY141  error" in listing
    assert "DY140  warning" in listing


def test_severity_and_disable_change_the_exit_code(dag_repo):
    untagged = dag_repo / "dags" / "data_mart" / "untagged.py"
    untagged.write_text(
        GOOD.format(dag_id="untagged", owner="a@example.com").replace(
            '    tags=["data_mart"],\n', ""
        )
    )
    config = dag_repo / "dagyard.toml"
    original = config.read_text()
    config.write_text(original + '\n[check]\nseverity = { DY141 = "error" }\n')
    done = dagyard("check", str(untagged), "--format", "json", cwd=dag_repo)
    assert done.returncode == 1
    assert [(f["rule"], f["severity"]) for f in as_json(done)["findings"]] == [("DY141", "error")]
    config.write_text(original + '\n[check]\ndisable = ["DY141"]\nseverity = { DY141 = "error" }\n')
    done = dagyard("check", str(untagged), "--format", "json", cwd=dag_repo)
    assert done.returncode == 0
    assert as_json(done)["findings"] == []


def test_changed_follows_the_reverse_import_graph_and_reports_vanished_dags(git_repo):
    helper = git_repo / "dags" / "common" / "calendar.py"
    helper.write_text('"""Shared calendar."""\n\nHOLIDAYS = ["2024-01-01"]\n')
    user = git_repo / "dags" / "crawling" / "public_holidays.py"
    user.write_text(
        user.read_text().replace(
            "from common.defaults import default_args\n",
            "from common.calendar import HOLIDAYS\nfrom common.defaults import default_args\n",
        )
    )
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "calendar")
    git(git_repo, "checkout", "-q", "main")
    git(git_repo, "merge", "-q", "feature")
    git(git_repo, "checkout", "-q", "-b", "next")
    helper.write_text(helper.read_text() + 'HOLIDAYS.append("2024-12-25")\n')
    renamed = git_repo / "dags" / "data_mart" / "daily_revenue_mart.py"
    renamed.write_text(
        renamed.read_text().replace('dag_id="daily_revenue_mart"', 'dag_id="revenue"')
    )
    (git_repo / "dags" / "monitoring" / "table_freshness.pipeline.yaml").unlink()

    done = dagyard("check", "--changed", "--format", "json", cwd=git_repo)
    report = as_json(done)
    assert sorted(report["summary"]["checked"]) == [
        "dags/crawling/public_holidays.py",
        "dags/data_mart/daily_revenue_mart.py",
    ]
    vanished = sorted((f["file"], f["message"]) for f in report["findings"] if f["rule"] == "DY105")
    assert [file for file, _ in vanished] == [
        "dags/data_mart/daily_revenue_mart.py",
        "dags/monitoring/table_freshness.pipeline.yaml",
    ]
    assert "'daily_revenue_mart'" in vanished[0][1] and "no longer defines it" in vanished[0][1]
    assert "'table_freshness'" in vanished[1][1] and "was deleted" in vanished[1][1]
    assert done.returncode == 0  # DY105 is a warning by default

    shared = git_repo / "dags" / "common" / "defaults.py"
    shared.write_text(shared.read_text() + "\n# touched\n")
    everyone = as_json(
        dagyard("check", "--changed", "--base", "HEAD", "--format", "json", cwd=git_repo)
    )
    users = sorted(
        p.relative_to(git_repo).as_posix()
        for p in (git_repo / "dags").rglob("*.py")
        if "from common.defaults import" in p.read_text()
    )
    assert len(users) >= 6
    assert sorted(everyone["summary"]["checked"]) == users


def test_staged_checks_only_what_is_staged(git_repo):
    staged = git_repo / "dags" / "data_mart" / "staged.py"
    staged.write_text(GOOD.format(dag_id="staged", owner="bob"))
    unstaged = git_repo / "dags" / "data_mart" / "unstaged.py"
    unstaged.write_text(GOOD.format(dag_id="unstaged", owner="bob"))
    git(git_repo, "add", "dags/data_mart/staged.py")
    done = dagyard("check", "--staged", "--format", "json", cwd=git_repo)
    assert done.returncode == 1
    assert as_json(done)["summary"]["checked"] == ["dags/data_mart/staged.py"]


def test_github_format_annotates_from_the_repository_root(git_repo, tmp_path):
    bad = git_repo / "dags" / "data_mart" / "bad.py"
    bad.write_text(GOOD.format(dag_id="bad", owner="bob"))
    target = tmp_path / "annotations.txt"
    done = dagyard("check", str(bad), "--format", "github", "-o", str(target), cwd=git_repo)
    assert done.returncode == 1
    assert target.read_text().startswith(
        "::error file=dags/data_mart/bad.py,line=14,title=DY110 owner::DAG 'bad'"
    )


def test_secrets_baseline_accepts_known_findings(dag_repo):
    leaky = dag_repo / "dags" / "data_mart" / "leaky.py"
    leaky.write_text(
        GOOD.format(dag_id="leaky", owner="a@example.com") + '\nLEGACY_TOKEN = "gh'
        'p_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"\n'
    )
    done = dagyard("check", str(leaky), "--update-baseline", "--format", "json", cwd=dag_repo)
    assert [f["rule"] for f in as_json(done)["findings"]] == ["DY130"]
    assert "1 accepted secret finding(s)" in done.stderr
    baseline = json.loads((dag_repo / ".secrets.baseline").read_text())
    assert list(baseline["results"]) == ["dags/data_mart/leaky.py"]
    assert "ghp_" not in (dag_repo / ".secrets.baseline").read_text()
    again = dagyard("check", str(leaky), "--format", "json", cwd=dag_repo)
    assert again.returncode == 0
    assert as_json(again)["findings"] == []


def read_line(process: subprocess.Popen, timeout: float) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, "no output from dagyard check --watch"
    return process.stdout.readline()


def start_watch(repo: Path, target: Path, output_format: str = "json") -> subprocess.Popen:
    """`dagyard check --watch TARGET` in `repo`, its output on a pipe."""
    return subprocess.Popen(
        [DAGYARD, "check", "--watch", "--format", output_format, str(target)],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "COLUMNS": "300"},
    )


def test_watch_rechecks_a_saved_file(dag_repo):
    target = dag_repo / "dags" / "data_mart" / "watched.py"
    target.write_text(GOOD.format(dag_id="watched", owner="a@example.com"))
    process = start_watch(dag_repo, target)
    try:
        first = json.loads(read_line(process, 120))
        assert first["findings"] == []
        time.sleep(0.5)
        target.write_text(GOOD.format(dag_id="watched", owner="bob"))
        second = json.loads(read_line(process, 60))
        assert [f["rule"] for f in second["findings"]] == ["DY110"]
        assert second["summary"]["checked"] == ["dags/data_mart/watched.py"]
    finally:
        process.terminate()
        process.wait(timeout=20)


TEAM_LOADS = """\
from datetime import datetime
from pathlib import Path

import yaml
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

for team in yaml.safe_load((Path(__file__).parent / "teams.yml").read_text())["teams"]:
    with DAG(
        dag_id=f"{team}_load",
        schedule="@daily",
        start_date=datetime(2024, 1, 1),
        catchup=False,
        tags=["data_mart"],
        default_args={"owner": "a@example.com", "retries": 1},
    ):
        EmptyOperator(task_id="only")
"""


def test_watch_rechecks_the_dag_file_that_reads_a_saved_config(dag_repo):
    folder = dag_repo / "dags" / "data_mart"
    loader = folder / "team_loads.py"
    loader.write_text(TEAM_LOADS)
    config = folder / "teams.yml"
    config.write_text("teams: [sales]\n")
    process = start_watch(dag_repo, loader)
    try:
        first = json.loads(read_line(process, 120))
        assert first["findings"] == [], first["findings"]
        time.sleep(0.5)
        config.write_text("teams: [sales, stock]\nowner: nobody\n")
        second = json.loads(read_line(process, 60))
        assert second["summary"]["checked"] == ["dags/data_mart/team_loads.py"]
    finally:
        process.terminate()
        process.wait(timeout=20)


def read_until(process: subprocess.Popen, needle: str, timeout: float) -> str:
    """Lines of `dagyard check --watch` text output up to the first one holding `needle`."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while not seen or needle not in seen[-1]:
        left = deadline - time.monotonic()
        assert left > 0, f"{needle!r} not in dagyard check --watch output:\n{''.join(seen)}"
        seen.append(read_line(process, left))
    return "".join(seen)


def test_watch_follows_a_saved_airflowignore(dag_repo):
    folder = dag_repo / "dags" / "data_mart"
    hidden = folder / "hidden.py"
    hidden.write_text(GOOD.format(dag_id="hidden", owner="bob"))  # DY110 once Airflow sees it
    shown = folder / "shown.py"
    shown.write_text(GOOD.format(dag_id="shown", owner="a@example.com"))
    ignore = folder / ".airflowignore"
    ignore.write_text("hidden.py\n")
    process = start_watch(dag_repo, shown, "text")
    try:
        read_until(process, "watching for saves", 120)
        time.sleep(0.5)
        ignore.write_text("shown.py\n")
        out = read_until(process, "error(s)", 60)
        assert (
            "dags/data_mart/shown.py: now excluded by .airflowignore, so Airflow does not " in out
        )
        assert "dags/data_mart/hidden.py\n" in out
        assert "DY110 DAG 'hidden' has the owner 'bob'" in out
        ignore.unlink()
        out = read_until(process, "All good", 60)
        assert "Airflow would parse 10 file(s)" in out
    finally:
        process.terminate()
        process.wait(timeout=20)


def pre_commit_run(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "pre-commit"), "run"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_pre_commit_hook_runs_as_written(git_repo, tmp_path):
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} == {"dagyard-check", "dagyard-check-files"}
    assert all(h["entry"].startswith("dagyard check") for h in hooks)
    bad = git_repo / "dags" / "data_mart" / "bad.py"
    bad.write_text(GOOD.format(dag_id="bad", owner="bob"))
    git(git_repo, "add", "dags/data_mart/bad.py")
    env = {**GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    done = pre_commit_run(git_repo, env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ruff format" in done.stdout and "ruff check" in done.stdout
    assert "DY110" in done.stdout
    bad.write_text(GOOD.format(dag_id="bad", owner="a@example.com"))
    git(git_repo, "add", "dags/data_mart/bad.py")
    done = pre_commit_run(git_repo, env)
    assert done.returncode == 0, done.stdout + done.stderr


def test_dags_ci_workflow_passes_actionlint():
    actionlint = shutil.which("actionlint", path=str(BIN))
    assert actionlint, "actionlint is a dev dependency"
    workflow = REPO / "examples" / "dag-repo" / ".github" / "workflows" / "dags-ci.yml"
    done = subprocess.run([actionlint, str(workflow)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    steps = yaml.safe_load(workflow.read_text())["jobs"]["check"]["steps"]
    commands = " ".join(step.get("run", "") for step in steps)
    assert "dagyard check --changed" in commands and "--format github" in commands
