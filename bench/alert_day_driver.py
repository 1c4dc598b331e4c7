"""One simulated day of alert cycles against a running Airflow, with the dagyard on `sys.path`.

Run by bench/bench_alert_day.py as a script, once with this checkout's dagyard and once with
the baseline's (an exported older commit first on PYTHONPATH), so both run the same day:

    python alert_day_driver.py '{"airflow_url": ..., "token": ..., "db": ..., ...}'

Between cycles it does to the metadata DB what a day of Airflow would: the DAG processor
re-parses every broken file (a new import-error timestamp, same text), and each failing task
fails at its time. It prints a JSON summary of what each Slack channel received.
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import psycopg2

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "alerts"))

from slack_web_api import TOKEN, SlackWebApi  # noqa: E402

import dagyard  # noqa: E402
from dagyard.alerts.cycle import run_cycle  # noqa: E402
from dagyard.alerts.settings import settings_from  # noqa: E402
from dagyard.config import load_config  # noqa: E402


def main(spec: dict) -> dict:
    """Run the day; returns what each channel received."""
    start = datetime.fromisoformat(spec["start"])
    cycle = timedelta(minutes=spec["cycle_minutes"])
    failures = sorted((datetime.fromisoformat(at), dag_id) for at, dag_id in spec["failures"])
    server = SlackWebApi().start()
    for channel in spec["channels"]:
        server.workspace.add_channel(channel)
    config = load_config(Path(spec["repo"]))
    alerts = config.alerts.model_copy(
        update={"slack_api_url": server.url, "slack_backoff_seconds": 0.05}
    )
    db = psycopg2.connect(spec["db"])
    db.autocommit = True
    results = []
    with tempfile.TemporaryDirectory() as folder:
        settings = settings_from(
            config.model_copy(update={"alerts": alerts}),
            airflow_url=spec["airflow_url"],
            airflow_token=spec["token"],
            slack_token=TOKEN,
            state_file=Path(folder) / "state.sqlite",
        )
        for i in range(spec["cycles"]):
            now = start + cycle * i
            with db.cursor() as cursor:
                cursor.execute("UPDATE import_error SET timestamp = %s", (now,))
                while failures and failures[0][0] <= now:
                    at, dag_id = failures.pop(0)
                    cursor.execute(
                        "UPDATE task_instance SET state = 'failed', end_date = %s "
                        "WHERE dag_id = %s",
                        (at, dag_id),
                    )
                    cursor.execute(
                        "UPDATE dag_run SET state = 'failed', end_date = %s WHERE dag_id = %s",
                        (at, dag_id),
                    )
            result = run_cycle(settings, now=now.timestamp())
            results.append(result.ok)
    db.close()
    server.stop()
    channels = {}
    for name in spec["channels"]:
        posts = server.workspace.posts(name)
        texts = ["\n".join(b["text"]["text"] for b in m["blocks"]) for m in posts]
        channels[name] = {
            "messages": sum(1 for m in posts if not m.get("thread_ts")),
            "replies": sum(1 for m in posts if m.get("thread_ts")),
            "broken_file_mentions": sum(t.count(f) for t in texts for f in spec["broken_files"]),
            "task_mentions": sum(t.count(f"*{d}*") for t in texts for _at, d in spec["failures"]),
        }
    return {
        "dagyard": str(Path(dagyard.__file__).parent),
        "cycles": len(results),
        "failed_cycles": results.count(False),
        "channels": channels,
    }


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
