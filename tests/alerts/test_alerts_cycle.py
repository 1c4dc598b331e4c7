"""Alert cycles against a real Airflow (SQLite) and the local Slack Web API."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

from alerts_env import Airflow, configure_alerts, markers, run_cli
from slack_web_api import TOKEN, SlackWebApi

from dagyard.alerts.cycle import run_cycle
from dagyard.alerts.state import Store

BROKEN_DAG = "import airflow\nimport not_a_module_anywhere  # a dag file that does not import\n"


def _text(messages: list[dict]) -> str:
    return "\n".join(b["text"]["text"] for m in messages for b in m["blocks"])


def test_a_real_failure_is_announced_once_to_its_owner(
    airflow_sqlite: Airflow, slack: SlackWebApi, tmp_path: Path
):
    run_id = airflow_sqlite.trigger_and_wait("always_fails")
    settings = airflow_sqlite.settings(slack, tmp_path / "state.sqlite")

    first = run_cycle(settings)
    assert first.ok, first.error
    posts = slack.workspace.top_level("#platform-alerts")
    assert len(posts) == 1
    text = _text(posts)
    assert "<@U0ANALYST>" in text
    assert "*always_fails* › explode" in text
    assert f"run `{run_id}` · try 1" in text
    assert "ValueError: the input table is empty" in text
    assert 'always_fails.py", line' in text
    assert f"{airflow_sqlite.url}/dags/always_fails/runs/" in text and "try_number=1" in text

    second = run_cycle(settings)
    assert second.ok and second.announced == 0 and second.messages == 0
    assert len(slack.workspace.messages) == first.messages


def test_a_broken_file_goes_to_its_folders_team_and_recovers(
    airflow_sqlite: Airflow, slack: SlackWebApi, tmp_path: Path
):
    broken = airflow_sqlite.repo / "dags" / "_development" / "broken_import.py"
    broken.write_text(BROKEN_DAG)
    _wait_import_errors(airflow_sqlite, present=True)
    settings = airflow_sqlite.settings(slack, tmp_path / "state.sqlite")
    assert run_cycle(settings).ok
    text = _text(slack.workspace.top_level("#platform-alerts"))
    assert "_development/broken_import.py&gt; does not import" not in text
    assert "_development/broken_import.py> does not import" in text
    assert "ModuleNotFoundError" in text
    assert "platform-lead@example.com" in text and "No Slack account uses" in text

    broken.unlink()
    _wait_import_errors(airflow_sqlite, present=False)
    assert run_cycle(settings).ok
    last = slack.workspace.top_level("#platform-alerts")[-1]
    assert "Recovered:* _development/broken_import.py" in _text([last])


def test_still_failing_is_summarised_and_recovery_announced(
    airflow_sqlite: Airflow, slack: SlackWebApi, tmp_path: Path
):
    owner = {"folders": ["data_mart"], "owners": ["analyst@example.com"], "prefix": "flaky"}
    airflow_sqlite.seed(**owner, run_prefix="first")
    settings = airflow_sqlite.settings(slack, tmp_path / "state.sqlite")
    assert run_cycle(settings).ok
    assert "*flaky_0000* › task_00" in _text(slack.workspace.top_level("#mart-alerts"))

    airflow_sqlite.seed(**owner, run_prefix="second")
    assert run_cycle(settings).ok
    second = _text(slack.workspace.top_level("#mart-alerts")[1:])
    # a run never reported is told in full: run, log link, error, and that it failed before
    assert "|*flaky_0000* › task_00> · run `second__" in second
    assert "/dags/flaky_0000/runs/second__" in second
    assert "This task also failed before (first reported 20" in second
    assert "Still failing" not in second

    # the first run, cleared and failed again: summed up, still with its run, try and link
    with sqlite3.connect(airflow_sqlite.db_url.removeprefix("sqlite:///")) as db:
        db.execute(
            "UPDATE task_instance SET try_number = 2 "
            "WHERE dag_id = 'flaky_0000' AND run_id LIKE 'first__%'"
        )
    assert run_cycle(settings).ok
    third = _text(slack.workspace.top_level("#mart-alerts")[2:])
    assert "_Still failing (reported before):_\n• <" in third
    assert "|*flaky_0000* › task_00> · run `first__" in third and "· try 2" in third

    airflow_sqlite.seed(**owner, run_prefix="third", run_state="success", ti_state="success")
    assert run_cycle(settings).ok
    assert "Recovered:* flaky_0000" in _text(slack.workspace.top_level("#mart-alerts")[3:])
    result = run_cycle(settings)
    assert result.ok and result.messages == 0


def test_quiet_dags_are_recorded_not_announced(
    airflow_sqlite: Airflow, slack: SlackWebApi, tmp_path: Path
):
    airflow_sqlite.seed(folders=["crawling"], prefix="noisy", run_prefix="quiet")
    state = tmp_path / "state.sqlite"
    result = run_cycle(airflow_sqlite.settings(slack, state, quiet_dags=["noisy_*"]))
    assert result.ok
    assert "noisy_0000" not in _text(slack.workspace.messages)
    store = Store(state)
    assert store.count("quiet") == 1 and store.count("new") == 0
    store.close()


def test_a_channel_slack_refuses_does_not_stop_the_others(
    airflow_sqlite: Airflow, slack: SlackWebApi, tmp_path: Path
):
    airflow_sqlite.seed(folders=["monitoring", "data_mart"], dags=2, prefix="refuse")
    settings = airflow_sqlite.settings(
        slack, tmp_path / "state.sqlite", folder_channels={"data_mart": "#nowhere"}
    )
    result = run_cycle(settings)
    assert not result.ok
    assert "#nowhere" in (result.error or "") and "check the channel names" in (result.error or "")
    assert "*refuse_0000* › task_00" in _text(slack.workspace.top_level("#platform-alerts"))
    assert result.pending > 0  # the data_mart failures wait for a channel that works


def test_slack_down_for_two_cycles_loses_nothing(
    airflow_sqlite: Airflow, slack: SlackWebApi, tmp_path: Path
):
    settings = airflow_sqlite.settings(slack, tmp_path / "state.sqlite", slack_retries=1)
    slack.workspace.down = True
    first = run_cycle(settings)
    airflow_sqlite.seed(folders=["data_lake"], prefix="during_outage")
    second = run_cycle(settings)
    for result in (first, second):
        assert not result.ok and "Slack is unavailable" in (result.error or "")
    assert second.pending == first.pending + 1
    assert slack.workspace.messages == []

    slack.workspace.down = False
    third = run_cycle(settings)
    assert third.ok, third.error
    assert third.pending == 0 and third.announced == second.pending
    for channel in third.channels:
        assert len(slack.workspace.top_level(channel)) == 1, channel
    assert "during_outage_0000" in _text(slack.workspace.top_level("#lake-alerts"))
    assert len(set(markers(slack.workspace.messages))) == len(slack.workspace.messages)


def test_crash_between_posted_and_saved_posts_exactly_once(
    airflow_sqlite: Airflow, slack: SlackWebApi, tmp_path: Path
):
    airflow_sqlite.seed(folders=["data_lake", "data_mart", "monitoring"], dags=3, prefix="crash")
    configure_alerts(airflow_sqlite.repo, slack)
    state = tmp_path / "state.sqlite"
    victim: dict[str, int] = {}

    def crash(_message: dict) -> None:  # Slack stored the message; the alerter dies now
        if "pid" in victim:
            os.kill(victim.pop("pid"), signal.SIGKILL)

    slack.workspace.after_post = crash
    process = run_cli(airflow_sqlite, state)
    victim["pid"] = process.pid
    process.wait(timeout=120)
    assert process.returncode == -signal.SIGKILL
    assert len(slack.workspace.messages) == 1

    again = run_cli(airflow_sqlite, state)
    output, _ = again.communicate(timeout=120)
    assert again.returncode == 0, output
    posted = markers(slack.workspace.messages)
    assert len(posted) == len(set(posted)), "a message was posted twice"
    for channel in {"#platform-alerts", "#mart-alerts", "#lake-alerts"}:
        assert len(slack.workspace.top_level(channel)) == 1, channel
    store = Store(state)
    assert store.count("new") == 0
    store.close()


def test_restart_mid_cycle_finishes_the_thread_without_repeats(
    airflow_sqlite: Airflow, slack: SlackWebApi, tmp_path: Path
):
    airflow_sqlite.seed(dags=300, folders=["data_mart"], prefix="restart", run_prefix="r")
    configure_alerts(airflow_sqlite.repo, slack, detailed_entries=200)
    state = tmp_path / "state.sqlite"
    victim: dict[str, int] = {}

    def crash(message: dict) -> None:  # dies while Slack stores the first thread reply
        if message["thread_ts"] and "pid" in victim:
            os.kill(victim.pop("pid"), signal.SIGKILL)

    slack.workspace.after_post = crash
    process = run_cli(airflow_sqlite, state)
    victim["pid"] = process.pid
    process.wait(timeout=120)
    assert process.returncode == -signal.SIGKILL

    again = run_cli(airflow_sqlite, state)
    output, _ = again.communicate(timeout=120)
    assert again.returncode == 0, output
    posted = markers(slack.workspace.messages)
    assert len(posted) == len(set(posted)), "a part was posted twice"
    mart = slack.workspace.posts("#mart-alerts")
    assert len([m for m in mart if not m["thread_ts"]]) == 1
    assert len(mart) >= 2  # the message needed a thread, and every part arrived once
    text = _text(mart)
    # 100 in full (200 detailed entries shared by the two owners), the rest summed up per DAG
    assert sum(f"*restart_{d:04d}* › task_00" in text for d in range(300)) >= 90
    assert all(f"restart_{d:04d}" in text for d in range(300))


def test_cli_reports_plainly_when_slack_is_down(
    airflow_sqlite: Airflow, slack: SlackWebApi, tmp_path: Path
):
    airflow_sqlite.seed(folders=["crawling"], prefix="cli_down")
    configure_alerts(airflow_sqlite.repo, slack, slack_retries=0)
    slack.workspace.down = True
    process = run_cli(airflow_sqlite, tmp_path / "state.sqlite")
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 1
    assert "Slack is unavailable" in output
    assert "will be sent by the next cycle; nothing is lost" in output


def _wait_import_errors(airflow: Airflow, present: bool, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    with airflow.client() as http:
        while True:
            errors = http.get("/api/v2/importErrors").json()["import_errors"]
            found = any(e["filename"].endswith("broken_import.py") for e in errors)
            if found == present:
                return
            assert time.monotonic() < deadline, f"import error present={found}"
            time.sleep(0.5)


def test_the_platform_dag_sends_the_digest(
    airflow_sqlite: Airflow, slack: SlackWebApi, tmp_path: Path
):
    repo = airflow_sqlite.repo
    state = tmp_path / "dag-state.sqlite"
    configure_alerts(repo, slack, state_file=str(state))
    source = repo / "dags" / "monitoring" / "failure_digest.py"
    (repo / "dags" / "_development" / "failure_digest.py").write_text(source.read_text())
    secrets = repo / ".dagyard" / "secrets" / "connections.yaml"
    secrets.write_text(
        "dagyard_airflow_api:\n"
        "  conn_type: http\n"
        f"  host: {airflow_sqlite.url}\n"
        f"  password: {airflow_sqlite._token}\n"
        "dagyard_slack:\n"
        "  conn_type: slack\n"
        f"  password: {TOKEN}\n"
    )
    airflow_sqlite.seed(folders=["data_mart"], prefix="digest_dag", run_prefix="d")
    airflow_sqlite.trigger_and_wait("failure_digest", state="success")
    text = _text(slack.workspace.top_level("#mart-alerts"))
    assert "*digest_dag_0000* › task_00" in text
    store = Store(state)
    assert store.count("sent") >= 1 and store.count("new") == 0
    store.close()
