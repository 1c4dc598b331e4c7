"""Failure digest: every 10 minutes, tell each DAG's owner on Slack what failed.

A platform DAG. It reads failed tasks and broken DAG files from Airflow's REST API (task code
may not use the metadata database in Airflow 3) and sends one message per channel, grouped by
owner, with `dagyard.alerts`. Routing, quiet DAGs and the state file are set in `[alerts]` of
dagyard.toml.

Connections it needs (never in git; `dagyard secrets set connection ...` or the secrets manager):
- `dagyard_airflow_api`: host = Airflow's URL (e.g. https://airflow.example.com), password = a
  service account's API token with read access to every DAG.
- `dagyard_slack`: password = the Slack bot token (xoxb-...).

The state file (`[alerts] state_file`) must live on storage every run of this task sees (a
shared volume), so a failure is announced exactly once. `max_active_runs=1`: runs never overlap.
"""

from datetime import datetime, timedelta
from pathlib import Path

from airflow.sdk import DAG, task

from common.defaults import default_args

REPO_ROOT = Path(__file__).resolve().parents[2]


def _airflow_url(connection) -> str:
    host = connection.host or ""
    if host.startswith(("http://", "https://")):
        return host.rstrip("/")
    port = f":{connection.port}" if connection.port else ""
    return f"{connection.schema or 'https'}://{host}{port}"


@task(execution_timeout=timedelta(minutes=9))
def send_failure_digest() -> dict:
    """One alert cycle; fails (and so shows red) when Airflow or Slack could not be reached."""
    from airflow.sdk import Connection

    from dagyard.alerts.cycle import run_cycle
    from dagyard.alerts.settings import settings_from
    from dagyard.config import load_config

    api = Connection.get("dagyard_airflow_api")
    slack = Connection.get("dagyard_slack")
    settings = settings_from(
        load_config(REPO_ROOT),
        airflow_url=_airflow_url(api),
        airflow_token=api.password or "",
        slack_token=slack.password or "",
    )
    result = run_cycle(settings)
    print(
        f"{result.new_failures} new failure(s); {result.announced} announced in "
        f"{result.messages} message(s); {result.pending} pending"
    )
    if not result.ok:
        raise RuntimeError(f"{result.error} ({result.pending} failure(s) kept for the next run)")
    return {"announced": result.announced, "messages": result.messages}


with DAG(
    dag_id="failure_digest",
    schedule=timedelta(minutes=10),
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["monitoring", "platform"],
    default_args=default_args("platform-lead@example.com", retries=0),
    doc_md=__doc__,
):
    send_failure_digest()
