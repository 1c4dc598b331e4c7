"""`dagyard status` against a running `dagyard dev`: a broken file, a failed task, the alerter,
a hung scheduler; JSON shape and exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import psutil
import pytest
from status_env import HEALTH_THRESHOLD

from alerts_env import Airflow  # isort: skip (on the path once status_env is imported)
from slack_web_api import TOKEN, SlackWebApi  # isort: skip
from support import DAGYARD, copy_example_repo, free_port, start_dev

pytestmark = pytest.mark.timeout(600)


def status(project: Path, *args: str, env: dict[str, str] | None = None):
    """Run `dagyard status` as a user would; returns the finished process."""
    return subprocess.run(
        [DAGYARD, "status", "--project", str(project), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        timeout=300,
    )


def status_json(project: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict]:
    result = status(project, "--json", *args, env=env)
    assert result.stdout.strip(), result.stderr
    return result.returncode, json.loads(result.stdout)


@pytest.fixture(scope="module")
def failed(local: Airflow) -> str:
    """One failed run of `always_fails` (owner analyst@example.com, platform team's folder)."""
    return local.trigger_and_wait("always_fails", "failed")


def test_json_shows_components_dags_import_errors_failures_pools_and_database(local, failed):
    code, report = status_json(local.repo)

    assert code == 0, report["problems"]
    assert report["healthy"] is True and report["problems"] == []
    components = {c["name"]: c for c in report["components"]}
    assert list(components) == ["metadatabase", "scheduler", "dag_processor", "triggerer"]
    for name in ("metadatabase", "scheduler", "dag_processor", "triggerer"):
        assert components[name]["status"] == "healthy"
    assert components["scheduler"]["seconds_ago"] < 60
    jobs = {j["component"]: j for j in report["jobs"]}
    assert jobs["scheduler"]["alive"] and jobs["dag_processor"]["alive"]
    assert jobs["triggerer"]["alive"]

    assert report["dags"] == {
        "active": 3,
        "unpaused": 1,
        "paused": 2,
        "files_with_import_errors": 1,
    }
    [broken] = report["import_errors"]
    assert broken["file"] == "_development/broken.py"
    assert broken["team"] == "platform"
    # nothing ever imported from that file: its team's members are named, as the alerter does
    assert broken["owner"] == "platform-lead@example.com"
    assert "No module named 'package_nobody_installed'" in broken["error"]

    assert report["failures"] == [
        {
            "team": "platform",
            "owner": "analyst@example.com",
            "failures": 1,
            "dags": {"always_fails": 1},
        }
    ]
    assert report["window_hours"] == 24
    assert set(report["task_instances"]) == {
        "running",
        "queued",
        "scheduled",
        "deferred",
        "up_for_retry",
    }
    [pool] = report["pools"]
    assert pool["name"] == "default_pool" and pool["slots"] == pool["open"] + pool["occupied"]

    database = report["database"]
    assert database["where"].endswith(".dagyard/db/airflow.db")
    assert database["size_bytes"] == (local.repo / ".dagyard" / "db" / "airflow.db").stat().st_size
    tables = {t["table"]: t for t in database["tables"]}
    assert tables["task_instance"]["rows"] >= 1
    assert tables["task_instance"]["oldest"].startswith(failed[len("manual__") :][:10])
    assert tables["task_instance"]["removable"] == 0  # younger than the 90-day retention
    assert database["retention_days"] == 90

    assert report["alerter"]["found"] is False
    assert report["not_visible"]


def test_text_screen_and_a_configurable_window(local, failed):
    result = status(local.repo)
    assert result.returncode == 0, result.stdout + result.stderr
    text = result.stdout
    for needle in (
        f"Airflow at {local.url}",
        "Components",
        "Running jobs",
        "DAGs: 3 active (1 unpaused, 2 paused); 1 file(s) with import errors",
        "_development/broken.py",
        "Failed tasks in the last 24h: 1",
        "analyst@example.com",
        "always_fails (1)",
        "default_pool",
        "Metadata database",
        "task_instance",
        "Not visible through the API",
        "✔ Healthy.",
    ):
        assert needle in text, f"{needle!r} not in:\n{text}"

    time.sleep(2)
    code, report = status_json(local.repo, "--window", "1s")
    assert code == 0
    assert report["window_hours"] == pytest.approx(1 / 3600)
    assert report["failures"] == []


def alerts_run(local: Airflow, slack: SlackWebApi, state: Path) -> subprocess.CompletedProcess:
    toml = local.repo / "dagyard.toml"
    if "[alerts]" not in toml.read_text():
        toml.write_text(
            toml.read_text() + f'\n[alerts]\nslack_api_url = "{slack.url}"\n'
            "slack_backoff_seconds = 0.05\nslack_retries = 0\n"
        )
    return subprocess.run(
        [DAGYARD, "alerts", "run", "--project", str(local.repo), "--state-file", str(state)],
        capture_output=True,
        text=True,
        env={**os.environ, "SLACK_BOT_TOKEN": TOKEN},
        timeout=300,
    )


def test_alerter_last_cycle_pending_failures_and_lateness(local, failed, slack, tmp_path):
    state = tmp_path / "alerts.sqlite"
    sent = alerts_run(local, slack, state)
    assert sent.returncode == 0, sent.stdout + sent.stderr

    code, report = status_json(local.repo, "--state-file", str(state))
    assert code == 0, report["problems"]
    alerter = report["alerter"]
    assert alerter["found"] and alerter["last_cycle_ok"] is True
    assert alerter["pending"] == 0 and alerter["late"] is False
    assert alerter["seconds_since_success"] < 120

    # Slack goes down while a new failure happens: it waits to be announced
    local.trigger_and_wait("always_fails", "failed")
    slack.workspace.down = True
    kept = alerts_run(local, slack, state)
    assert kept.returncode == 1, kept.stdout + kept.stderr

    time.sleep(2)
    code, report = status_json(
        local.repo, "--state-file", str(state), "--alerter-late", "1s", "--no-db"
    )
    alerter = report["alerter"]
    assert alerter["last_cycle_ok"] is False
    # the new task failure (and the broken file, re-parsed since, with a new error time)
    pending = alerter["pending"]
    assert pending >= 1
    assert alerter["late"] is True
    assert code == 1
    [problem] = report["problems"]
    assert "alerter is late" in problem and f"{pending} failure(s) wait to be announced" in problem

    text = status(local.repo, "--state-file", str(state), "--alerter-late", "1s").stdout
    assert "✗ late" in text and f"{pending} failure(s) waiting to be announced" in text


def test_a_hung_scheduler_makes_it_unhealthy_and_exit_1(local):
    running = json.loads((local.repo / ".dagyard" / "dev.json").read_text())
    scheduler = running["components"]["scheduler"]
    os.kill(scheduler, signal.SIGSTOP)
    try:
        deadline = time.monotonic() + 120
        while httpx.get(f"{local.url}/api/v2/monitor/health").json()["scheduler"]["status"] != (
            "unhealthy"
        ):
            assert time.monotonic() < deadline, "the scheduler never became unhealthy"
            time.sleep(0.5)
        code, report = status_json(local.repo)
        assert code == 1
        components = {c["name"]: c for c in report["components"]}
        assert components["scheduler"]["status"] == "unhealthy"
        assert components["scheduler"]["seconds_ago"] > HEALTH_THRESHOLD
        [job] = [j for j in report["jobs"] if j["component"] == "scheduler"]
        assert job["alive"] is False
        assert any(p.startswith("The scheduler is unhealthy") for p in report["problems"])
        # the job and the problems in the message: a session's own job taken for a leftover of
        # an earlier one (its start compared with the session's) would show here
        assert any("sent no heartbeat" in p for p in report["problems"]), (job, report["problems"])
        text = status(local.repo).stdout
        assert "problem(s):" in text and "The scheduler is unhealthy" in text
    finally:
        os.kill(scheduler, signal.SIGCONT)
    deadline = time.monotonic() + 120
    while status(local.repo, "--no-db").returncode != 0:
        assert time.monotonic() < deadline, "the scheduler never recovered"
        time.sleep(1)


def test_unreachable_airflow_is_unhealthy_and_usage_errors_exit_2(local, tmp_path):
    nowhere = f"http://127.0.0.1:{free_port()}"
    result = status(local.repo, "--airflow-url", nowhere, "--no-db")
    assert result.returncode == 1
    assert f"could not reach Airflow at {nowhere}" in result.stdout

    for token in ({}, {"DAGYARD_AIRFLOW_TOKEN": "x"}):  # a script gets JSON either way
        code, report = status_json(local.repo, "--airflow-url", nowhere, "--no-db", env=token)
        assert code == 1
        assert report["healthy"] is False
        [problem] = report["problems"]
        assert problem.startswith(
            f"Airflow could not be read: could not reach Airflow at {nowhere}"
        )

    bad_window = status(local.repo, "--window", "yesterday")
    assert bad_window.returncode == 2
    assert "--window 'yesterday' is not a duration" in bad_window.stderr

    idle = copy_example_repo(tmp_path / "idle-repo")
    nothing = status(idle)
    assert nothing.returncode == 2
    assert "no Airflow to look at" in nothing.stderr
    assert "start `dagyard dev`" in nothing.stderr


def test_jobs_of_an_earlier_killed_dagyard_dev_are_shown_but_not_counted(tmp_path):
    repo = copy_example_repo(tmp_path / "repo")
    first = start_dev(repo)
    tree = [psutil.Process(first.process.pid), *psutil.Process(first.process.pid).children(True)]
    for process in tree:  # a crash: nothing is stopped cleanly, the jobs stay "running"
        process.kill()
    psutil.wait_procs(tree, timeout=30)
    second = start_dev(repo)
    try:
        code, report = status_json(repo, "--no-db")
        leftovers = [j for j in report["jobs"] if j["leftover"]]
        current = [j for j in report["jobs"] if not j["leftover"]]
        assert code == 0, report["problems"]
        assert leftovers, report["jobs"]
        assert {j["component"] for j in current} == {"scheduler", "dag_processor", "triggerer"}
        assert all(j["alive"] for j in current)
        text = status(repo, "--no-db").stdout
        assert "an earlier dagyard dev's, not counted" in text
    finally:
        second.stop()


def test_airflow_refusals_are_explained_in_words_with_what_to_do(local):
    from dagyard.airflow_api import AirflowApi, AirflowApiError

    with AirflowApi(local.url, local._token) as api:
        with pytest.raises(AirflowApiError) as missing:
            api.get("/api/v2/dags/no_such_dag")
        assert "has no /api/v2/dags/no_such_dag: " in missing.value.message
        assert "no_such_dag" in missing.value.message.partition(": ")[2]  # Airflow's own words
        assert missing.value.hint and "name or id" in missing.value.hint

        with pytest.raises(AirflowApiError) as invalid:
            api.call("POST", "/api/v2/pools", json={"name": "p", "slots": "many"})
        message = invalid.value.message
        assert message.startswith("Airflow did not accept POST /api/v2/pools (HTTP 422): ")
        assert "slots" in message and "HTTP 4" not in message.partition(": ")[2]
        assert invalid.value.hint
