"""Broken DAG files against a real DAG processor: told once, again only when something changed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from alerts_env import Airflow, start_airflow
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
# How often the DAG processor parses an unchanged file again (30 s in dagyard dev).
REPARSE_SECONDS = 5


@pytest.fixture(scope="module")
def airflow_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Airflow]:
    """A real Airflow on SQLite that re-parses unchanged files every `REPARSE_SECONDS`."""
    interval = {"AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": str(REPARSE_SECONDS)}
    airflow, _ = start_airflow(tmp_path_factory.mktemp("alerts-reparse"), "sqlite", interval)
    yield airflow
    airflow.dev.stop()


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


def _change_and_tell(
    airflow: Airflow, slack: SlackWebApi, settings, source: str, now: float | None = None
) -> str:
    """Write the file, wait until Airflow parsed it, run a cycle: the one message it sent."""
    (airflow.repo / "dags" / "_development" / FILE).write_text(source)
    module = source.split("import ")[-1].split()[0] if source != FIXED else None
    _wait(
        airflow,
        lambda e: (e is None) if module is None else (e and module in e["stack_trace"]),
        f"the file parsed with {module or 'no error'}",
    )
    result = run_cycle(settings, now=now)
    assert result.ok and result.messages == 1, result
    return _text(slack.workspace.top_level(CHANNEL)[-1:])


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

    # the DAG processor re-parses the unchanged file and refreshes the error's time
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

    text = _change_and_tell(airflow_sqlite, slack, settings, OTHER_MISSING)
    assert f"_development/{FILE}> does not import" in text
    assert "No module named 'another_missing_module'" in text
    assert "Its error changed since the last message." in text

    text = _change_and_tell(airflow_sqlite, slack, settings, FIXED)
    assert f"Recovered:* _development/{FILE}" in text

    text = _change_and_tell(airflow_sqlite, slack, settings, MISSING)
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

    # without recovered notices a fix is silent, and the next break is still told
    silent = reminding._replace(
        config=reminding.config.model_copy(
            update={"alerts": reminding.alerts.model_copy(update={"recovered_notice": False})}
        )
    )
    path.unlink()
    _wait(airflow_sqlite, lambda e: e is None, "the file's removal")
    assert run_cycle(silent, now=day + 7200).messages == 0
    text = _change_and_tell(airflow_sqlite, slack, silent, OTHER_MISSING, now=day + 7800)
    assert f"_development/{FILE}> does not import" in text and "changed" not in text
    path.unlink()
    _wait(airflow_sqlite, lambda e: e is None, "the file's removal")
