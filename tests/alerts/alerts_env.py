"""Helpers for the alerter tests: real Airflow environments to read from, and seeding."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg2
from slack_web_api import TOKEN, SlackWebApi

import support
from dagyard.alerts.settings import AlertSettings, settings_from
from dagyard.config import load_config

HERE = Path(__file__).resolve().parent


_root = support
DevProcess = _root.DevProcess
copy_example_repo = _root.copy_example_repo
start_dev = _root.start_dev
free_port = _root.free_port
DAGYARD = _root.DAGYARD

SEED_SCRIPT = HERE / "seed_airflow_db.py"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
CHANNELS = ["lake-alerts", "mart-alerts", "platform-alerts", "data-alerts"]

FAILING_DAG = '''"""Fails on purpose: the alerter's tests announce it."""

from datetime import datetime

from airflow.sdk import dag, task


@dag(
    dag_id="always_fails",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args={"owner": "analyst@example.com", "retries": 0},
)
def always_fails():
    @task
    def explode() -> None:
        raise ValueError("the input table is empty")

    explode()


always_fails()
'''


class Airflow:
    """A running `dagyard dev` on a copy of the example repo, with a DB URL for seeding."""

    def __init__(self, dev: DevProcess, db_url: str):
        self.dev = dev
        self.db_url = db_url
        self.repo = dev.project
        self._token = dev.token()

    @property
    def url(self) -> str:
        return self.dev.url

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self._token}"}, timeout=30
        )

    def settings(self, slack: SlackWebApi, state: Path, **alerts: object) -> AlertSettings:
        """Alerter settings for this Airflow and that Slack."""
        config = load_config(self.repo)
        overrides = {"slack_api_url": slack.url, "slack_backoff_seconds": 0.05, **alerts}
        config = config.model_copy(update={"alerts": config.alerts.model_copy(update=overrides)})
        return settings_from(
            config,
            airflow_url=self.url,
            airflow_token=self._token,
            slack_token=TOKEN,
            state_file=state,
        )

    def seed(self, **spec: object) -> dict:
        """Bulk-insert DAGs, runs and task instances (see seed_airflow_db.py)."""
        full = {
            "db": self.db_url,
            "bundle": "_development",
            "dags_path": str((self.repo / "dags").resolve()),
            **spec,
        }
        result = subprocess.run(
            [sys.executable, str(SEED_SCRIPT), json.dumps(full)],
            capture_output=True,
            text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout.strip().splitlines()[-1])

    def failed_count(self) -> int:
        """How many task instances are in the `failed` state, per the API."""
        with self.client() as http:
            page = http.get(
                "/api/v2/dags/~/dagRuns/~/taskInstances", params={"state": "failed", "limit": 1}
            )
            return page.json()["total_entries"]

    def trigger_and_wait(self, dag_id: str, state: str = "failed", timeout: float = 120) -> str:
        """Unpause, trigger and wait for the run to end in `state`; returns the run id."""
        with self.client() as http:
            deadline = time.monotonic() + 60
            while http.get(f"/api/v2/dags/{dag_id}").status_code != 200:
                assert time.monotonic() < deadline, f"{dag_id} never appeared"
                time.sleep(0.5)
            http.patch(f"/api/v2/dags/{dag_id}", json={"is_paused": False}).raise_for_status()
            run = http.post(f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None})
            run.raise_for_status()
            run_id = run.json()["dag_run_id"]
            deadline = time.monotonic() + timeout
            while True:
                current = http.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}").json()["state"]
                if current in ("success", "failed"):
                    assert current == state, f"{dag_id} ended {current}, expected {state}"
                    return run_id
                assert time.monotonic() < deadline, f"{dag_id} still {current}"
                time.sleep(0.5)


def configure_alerts(repo: Path, slack: SlackWebApi, **extra: object) -> None:
    """Write an `[alerts]` section pointing at the local Slack into the repo's dagyard.toml."""
    path = repo / "dagyard.toml"
    text = path.read_text().split("\n# -- alerts test section --")[0]
    lines = [
        "\n# -- alerts test section --",
        "[alerts]",
        f'slack_api_url = "{slack.url}"',
        "slack_backoff_seconds = 0.05",
        *(f"{key} = {json.dumps(value)}" for key, value in extra.items()),
    ]
    path.write_text(text + "\n".join(lines) + "\n")


def run_cli(airflow: Airflow, state: Path, *args: str) -> subprocess.Popen:
    """Start `dagyard alerts run` for this Airflow as a separate process."""
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": TOKEN,
        "DAGYARD_AIRFLOW_TOKEN": airflow._token,
        "COLUMNS": "200",
    }
    return subprocess.Popen(
        [
            DAGYARD,
            "alerts",
            "run",
            "--project",
            str(airflow.repo),
            "--airflow-url",
            airflow.url,
            "--state-file",
            str(state),
            *args,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def markers(messages: list[dict]) -> list[tuple[str, int]]:
    """(digest, chunk) of every message the alerter posted, in posting order."""
    return [
        (m["metadata"]["event_payload"]["digest"], m["metadata"]["event_payload"]["chunk"])
        for m in messages
    ]


def start_airflow(
    tmp: Path, backend: str, airflow_settings: dict[str, str] | None = None
) -> tuple[Airflow, str | None]:
    """Start `dagyard dev` on a fresh repo copy, on SQLite or a new PostgreSQL database;
    `airflow_settings` go into the repo's `[dev.env]` (e.g. `AIRFLOW__SECTION__KEY`)."""
    repo = copy_example_repo(tmp / "dag-repo")
    if airflow_settings:
        lines = "".join(f'{key} = "{value}"\n' for key, value in airflow_settings.items())
        with (repo / "dagyard.toml").open("a") as toml:
            toml.write(f"\n[dev.env]\n{lines}")
    (repo / "dags" / "_development" / "always_fails.py").write_text(FAILING_DAG)
    if backend == "postgresql":
        name = f"dagyard_alerts_{uuid.uuid4().hex[:10]}"
        dev = start_dev(repo, "--db", f"{PG_SERVER}/{name}")
        return Airflow(dev, f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"), name
    dev = start_dev(repo)
    db_file = repo / ".dagyard" / "db" / "airflow.db"
    return Airflow(dev, f"sqlite:///{db_file}"), None


def drop_database(name: str) -> None:
    """Drop a PostgreSQL database created by a test."""
    admin = psycopg2.connect(f"{PG_SERVER}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()
