"""Broken DAG files against a real DAG processor: told once, again only when something changed."""

from __future__ import annotations

import time
from pathlib import Path

from alerts_env import Airflow
from slack_web_api import SlackWebApi

from dagyard.alerts.cycle import run_cycle

MISSING = "import airflow\nimport not_a_module_anywhere  # a dag file that does not import\n"
OTHER_MISSING = "import airflow\nimport another_missing_module  # a dag file, still broken\n"
FIXED = '''"""Imports again."""

from datetime import datetime

from airflow.sdk import dag, task


@dag(dag_id="lake_fixed", schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
def lake_fixed():
    @task
    def ok() -> None:
        pass

    ok()


lake_fixed()
'''
FILE = "broken_lake.py"
CHANNEL = "#platform-alerts"


def _text(messages: list[dict]) -> str:
    return "\n".join(b["text"]["text"] for m in messages for b in m["blocks"])


def _import_error(airflow: Airflow) -> dict | None:
    with airflow.client() as http:
        errors = http.get("/api/v2/importErrors").json()["import_errors"]
    return next((e for e in errors if e["filename"].endswith(FILE)), None)


def _wait(airflow: Airflow, check, what: str, timeout: float = 150) -> dict | None:
    """Poll Airflow's import errors until `check(error or None)` holds."""
    deadline = time.monotonic() + timeout
    while True:
        error = _import_error(airflow)
        if check(error):
            return error
        assert time.monotonic() < deadline, f"never saw {what}; last: {error}"
        time.sleep(1)


def test_a_broken_file_is_told_once_then_on_change_fix_and_new_break(
    airflow_sqlite: Airflow, slack: SlackWebApi, tmp_path: Path
):
    path = airflow_sqlite.repo / "dags" / "_development" / FILE
    path.write_text(MISSING)
    first = _wait(airflow_sqlite, lambda e: e and "not_a_module" in e["stack_trace"], "the error")
    settings = airflow_sqlite.settings(slack, tmp_path / "state.sqlite")

    told = run_cycle(settings)
    assert told.ok and told.messages == 1, told
    text = _text(slack.workspace.top_level(CHANNEL))
    assert f"_development/{FILE}> does not import" in text
    assert "ModuleNotFoundError: No module named 'not_a_module_anywhere'" in text

    # the DAG processor re-parses the unchanged file (every 30 s) and refreshes the error's time
    stamps = {first["timestamp"]}
    for _ in range(3):
        error = _wait(
            airflow_sqlite, lambda e: e and e["timestamp"] not in stamps, "a re-parse", 120
        )
        stamps.add(error["timestamp"])
        quiet = run_cycle(settings)
        assert quiet.ok and quiet.messages == 0 and quiet.new_failures == 0, quiet
    assert len(stamps) == 4
    assert len(slack.workspace.top_level(CHANNEL)) == 1

    path.write_text(OTHER_MISSING)
    _wait(airflow_sqlite, lambda e: e and "another_missing" in e["stack_trace"], "the new error")
    changed = run_cycle(settings)
    assert changed.ok and changed.messages == 1, changed
    text = _text(slack.workspace.top_level(CHANNEL)[-1:])
    assert f"_development/{FILE}> does not import" in text
    assert "No module named 'another_missing_module'" in text
    assert "Its error changed since the last message." in text

    path.write_text(FIXED)
    _wait(airflow_sqlite, lambda e: e is None, "the fix")
    fixed = run_cycle(settings)
    assert fixed.ok and fixed.messages == 1, fixed
    assert f"Recovered:* _development/{FILE}" in _text(slack.workspace.top_level(CHANNEL)[-1:])

    path.write_text(MISSING)
    _wait(airflow_sqlite, lambda e: e and "not_a_module" in e["stack_trace"], "the new break")
    again = run_cycle(settings)
    assert again.ok and again.messages == 1, again
    text = _text(slack.workspace.top_level(CHANNEL)[-1:])
    assert f"_development/{FILE}> does not import" in text
    assert "No module named 'not_a_module_anywhere'" in text
    assert "changed" not in text and "Still failing" not in text
    assert run_cycle(settings).messages == 0
    assert len(slack.workspace.top_level(CHANNEL)) == 4

    # reminders are off unless a team asks: a day later nothing is said
    day = time.time() + 25 * 3600
    assert run_cycle(settings, now=day).messages == 0
    team = settings.config.teams["platform"].model_copy(update={"still_broken_reminder_hours": 24})
    teams = {**settings.config.teams, "platform": team}
    reminding = settings._replace(config=settings.config.model_copy(update={"teams": teams}))
    reminded = run_cycle(reminding, now=day)
    assert reminded.ok and reminded.messages == 1, reminded
    last = slack.workspace.top_level(CHANNEL)[-1]
    assert last["text"].startswith("Airflow: 1 DAG file still broken")
    text = _text([last])
    assert f"_development/{FILE}> still does not import: `ModuleNotFoundError" in text
    assert "Still broken since 20" in text
    assert run_cycle(reminding, now=day + 3600).messages == 0
    path.unlink()
    _wait(airflow_sqlite, lambda e: e is None, "the file's removal")
