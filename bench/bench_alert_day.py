"""Benchmark what a team hears in one day: Slack messages from the failure digest.

A real Airflow (`dagyard dev` on PostgreSQL) with 700 DAGs and 5 DAG files that do not import
(all in the platform team's folder, so one channel hears of them), of which 20 DAGs each get
one failed task during the day, spread across it. The alerter runs every 10 minutes of
simulated time (144 cycles); before each cycle the DAG processor's re-parses are replayed
(every broken file gets a new import-error timestamp, its text unchanged) and the failures due
by then are written. The same day is run by this checkout's alerter and by the baseline's
(`git archive` of `main`, or the commit given as `DAGYARD_BASELINE`), each with its own state
file and its own local Slack Web API, and the team channel's messages are counted.

Prints a Markdown section for docs/benchmarks.md (`python -m bench alert_day`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from bench.bench_operations import REPO, _load

DRIVER = Path(__file__).with_name("alert_day_driver.py")
CHANNEL = "platform-alerts"
HEAD = "from airflow.sdk import dag\n\n"  # Airflow skips files that name neither
BROKEN = {
    "missing_module.py": HEAD + "import lake_helpers_v2\n",
    "syntax_error.py": HEAD + "def extract(:\n    pass\n",
    "name_error.py": HEAD + "schedule = DAILY\n",
    "bad_value.py": HEAD + "int('ten')\n",
    "object_repr.py": HEAD + "raise RuntimeError(f'cannot use {object()}')\n",
}
FAILING = 20
CYCLE_MINUTES = 10
CYCLES = 24 * 60 // CYCLE_MINUTES


def _export(ref: str, target: Path) -> Path:
    """The baseline's `src/` exported from git (no checkout or worktree is touched)."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", ref, "src"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target / "src"


def _run_day(spec: dict, pythonpath: Path | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    if pythonpath:
        env["PYTHONPATH"] = str(pythonpath)
    done = subprocess.run(
        [sys.executable, str(DRIVER), json.dumps(spec)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _wait_broken(airflow, count: int, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    with airflow.client() as http:
        while http.get("/api/v2/importErrors").json()["total_entries"] < count:
            assert time.monotonic() < deadline, "the broken files never showed as import errors"
            time.sleep(1)


def _reset(db_url: str, prefix: str) -> None:
    """Every seeded run and task back to success, as before the day."""
    import psycopg2

    connection = psycopg2.connect(db_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        for table in ("task_instance", "dag_run"):
            cursor.execute(
                f"UPDATE {table} SET state = 'success' WHERE dag_id LIKE %s", (f"{prefix}_%",)
            )
    connection.close()


def bench_day(tmp: Path, baseline: str) -> dict:
    """Run the day with the baseline and with this checkout; returns both summaries."""
    env = _load("alerts_env")
    airflow, database = env.start_airflow(tmp, "postgresql")
    try:
        for name, source in BROKEN.items():
            (airflow.repo / "dags" / "_development" / name).write_text(source)
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
        airflow.seed(
            dags=700,
            folders=["_development", "data_lake", "data_mart", "crawling", "monitoring"],
            owners=[f"owner{i:02d}@example.com" for i in range(40)],
            prefix="day",
            run_state="success",
            ti_state="success",
            newest=(start - timedelta(hours=1)).isoformat(),
        )
        _wait_broken(airflow, len(BROKEN))
        step = timedelta(hours=24) / FAILING
        spec = {
            "airflow_url": airflow.url,
            "token": airflow._token,
            "db": airflow.db_url.replace("postgresql+psycopg2://", "postgresql://"),
            "repo": str(airflow.repo),
            "channels": env.CHANNELS,
            "start": start.isoformat(),
            "cycle_minutes": CYCLE_MINUTES,
            "cycles": CYCLES,
            # DAGs 0, 5, 10, ... live in _development (the seed rotates the folders)
            "failures": [
                ((start + step * (i + 0.5)).isoformat(), f"day_{5 * i:04d}") for i in range(FAILING)
            ],
            "broken_files": list(BROKEN),
        }
        with tempfile.TemporaryDirectory() as folder:
            before = _run_day(spec, _export(baseline, Path(folder)))
        _reset(spec["db"], "day")
        after = _run_day(spec, REPO / "src")
        return {"before": before, "after": after}
    finally:
        airflow.dev.stop()
        if database:
            env.drop_database(database)


def main() -> None:
    """Run the day twice and print the Markdown section."""
    baseline = os.environ.get("DAGYARD_BASELINE", "main")
    with tempfile.TemporaryDirectory() as folder:
        result = bench_day(Path(folder), baseline)
    print(json.dumps(result), file=sys.stderr)
    rows = []
    labels = {
        "messages": "messages in the team channel",
        "replies": "thread replies",
        "broken_file_mentions": "mentions of the 5 broken files",
        "task_mentions": "mentions of the 20 failed tasks' DAGs",
    }
    before = result["before"]["channels"][CHANNEL]
    after = result["after"]["channels"][CHANNEL]
    for key, label in labels.items():
        rows.append(f"| {label} | {before[key]} | {after[key]} |")
    for name in ("before", "after"):
        assert result[name]["failed_cycles"] == 0, result[name]
    print(
        "## Alert noise over one day\n\n"
        f"{CYCLES} cycles, 10 simulated minutes apart; 700 DAGs, 5 broken files, "
        f"{FAILING} failed tasks, one team channel (#{CHANNEL}).\n\n"
        f"| what the team received | baseline (`{baseline}`) | this checkout |\n"
        "|---|---|---|\n" + "\n".join(rows) + "\n"
    )


if __name__ == "__main__":
    main()
