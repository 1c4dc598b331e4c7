"""Plain errors and stable exit codes of `dagyard alerts` when something is missing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from alerts_env import DAGYARD

from dagyard.cli.alerts import parse_interval
from dagyard.config import ConfigError, load_config


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("SLACK_BOT_TOKEN",)}
    return subprocess.run(
        [DAGYARD, "alerts", *args],
        capture_output=True,
        text=True,
        env={**base, "COLUMNS": "200", **(env or {})},
    )


def test_a_typo_in_the_alerts_section_is_located(dag_repo: Path):
    with (dag_repo / "dagyard.toml").open("a") as toml:
        toml.write('\n[alerts]\nquiet_dag = ["sandbox_*"]\n')
    with pytest.raises(ConfigError) as error:
        load_config(dag_repo)
    problem = error.value.problems[0]
    assert problem.line == len((dag_repo / "dagyard.toml").read_text().splitlines())
    assert "unknown key `quiet_dag` in [alerts]" in problem.message
    assert problem.hint == "did you mean `quiet_dags`?"


def test_no_airflow_to_read_is_a_usage_error(dag_repo: Path):
    result = _run("run", "--project", str(dag_repo), env={"SLACK_BOT_TOKEN": "xoxb-1"})
    assert result.returncode == 2
    assert "no Airflow to read failures from" in result.stderr
    assert "start `dagyard dev`" in result.stderr


def test_no_slack_token_is_a_usage_error(dag_repo: Path):
    result = _run(
        "run",
        "--project",
        str(dag_repo),
        "--airflow-url",
        "http://127.0.0.1:9",
        env={"DAGYARD_AIRFLOW_TOKEN": "t"},
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is not set" in result.stderr


def test_unreachable_airflow_fails_plainly_and_keeps_state(dag_repo: Path, tmp_path: Path):
    state = tmp_path / "state.sqlite"
    result = _run(
        "run",
        "--project",
        str(dag_repo),
        "--airflow-url",
        "http://127.0.0.1:9",
        "--state-file",
        str(state),
        env={"DAGYARD_AIRFLOW_TOKEN": "t", "SLACK_BOT_TOKEN": "xoxb-1"},
    )
    assert result.returncode == 1
    assert "could not reach Airflow at http://127.0.0.1:9" in result.stderr
    status = _run("status", "--project", str(dag_repo), "--state-file", str(state))
    assert status.returncode == 0 and "failed" in status.stdout


def test_intervals():
    assert parse_interval("10m") == 600
    assert parse_interval("30s") == 30
    assert parse_interval("1h") == 3600
    assert parse_interval("45") == 45
    result = _run("serve", "--every", "ten minutes")
    assert result.returncode == 2 and "is not a duration" in result.stderr
