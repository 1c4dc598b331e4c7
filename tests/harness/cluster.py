"""A local Airflow cluster on PostgreSQL with several schedulers, for HA tests and benchmarks.

Each component is a real `airflow` process (scheduler, dag-processor, execution API server) in
its own session, sharing one metadata database; `kill` ends a component and every process it
started, the way a crashed pod loses its LocalExecutor workers and their tasks.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, NamedTuple

import psutil
import psycopg2

from dagyard.airflow_env import LOCAL_BUNDLE, SIMPLE_AUTH_MANAGER, normalize_db_url

ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


class HaOptions(NamedTuple):
    """One Airflow cluster on PostgreSQL with several schedulers (the `ci/ha` profile)."""

    home: Path
    db_url: str
    dags_folder: Path
    execution_api_port: int
    parallelism: int = 8
    heartbeat_timeout: int = 20
    health_check_threshold: int = 10


def ha_env(options: HaOptions) -> dict[str, str]:
    """Environment for an HA test or benchmark: LocalExecutor on PostgreSQL, fast failover.

    Heartbeats and orphan adoption are tightened so a killed scheduler's work is adopted within
    seconds, not minutes; every DAG is unpaused at creation and parsed once from a local bundle.
    """
    bundle = {
        "name": "dags",
        "classpath": LOCAL_BUNDLE,
        "kwargs": {"path": str(options.dags_folder), "refresh_interval": 5},
    }
    return {
        "AIRFLOW_HOME": str(options.home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(options.dags_folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(options.parallelism),
        "AIRFLOW__CORE__MAX_ACTIVE_RUNS_PER_DAG": "64",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__AUTH_MANAGER": SIMPLE_AUTH_MANAGER,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": (
            f"http://127.0.0.1:{options.execution_api_port}/execution/"
        ),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": normalize_db_url(options.db_url),
        "AIRFLOW__DATABASE__CHECK_MIGRATIONS": "False",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(options.execution_api_port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API__SECRET_KEY": "dagyard-ha-test-secret",
        "AIRFLOW__API_AUTH__JWT_SECRET": "dagyard-ha-test-jwt-secret-0123456789",
        "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps([bundle]),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
        "AIRFLOW__DAG_PROCESSOR__PRINT_STATS_INTERVAL": "3600",
        "AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR": "True",
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
        # A busy laptop may answer slowly (the task API builds its routes once, at start-up):
        # wait for it rather than retry a request that went through.
        "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "60",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_SEC": "2",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(options.heartbeat_timeout),
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD": str(options.health_check_threshold),
        "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "5",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(options.home / "logs"),
        "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
        "DAGYARD_PROFILE": "ci",
    }


def _admin(statement: str) -> None:
    connection = psycopg2.connect(ADMIN_DSN)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


class Cluster:
    """Airflow components on one fresh PostgreSQL database under `root`."""

    def __init__(self, root: Path, dags_folder: Path, db_name: str, **options: Any) -> None:
        self.root = root
        self.db_name = db_name
        self.dsn = f"host=127.0.0.1 port=5432 user=postgres dbname={db_name}"
        port = options.pop("execution_api_port")
        self.env = {
            **os.environ,
            **ha_env(
                HaOptions(
                    home=root / "home",
                    db_url=f"postgresql://root@127.0.0.1:5432/{db_name}",
                    dags_folder=dags_folder,
                    execution_api_port=port,
                    **options,
                )
            ),
        }
        self.processes: dict[str, subprocess.Popen] = {}
        (root / "logs").mkdir(parents=True, exist_ok=True)

    def create_database(self) -> None:
        """Create the (empty) metadata database and migrate it with `airflow db migrate`."""
        _admin(f'DROP DATABASE IF EXISTS "{self.db_name}"')
        _admin(f'CREATE DATABASE "{self.db_name}"')
        self.airflow("db", "migrate")

    def drop_database(self) -> None:
        """Remove the metadata database (components must be stopped)."""
        _admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def airflow(self, *argv: str) -> str:
        """Run one `airflow` command to completion and return its output."""
        result = subprocess.run(
            [self.airflow_bin(), *argv],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(argv)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    @staticmethod
    def airflow_bin() -> str:
        """The `airflow` executable next to this Python."""
        return str(Path(sys.executable).with_name("airflow"))

    def start(self, name: str, *argv: str) -> subprocess.Popen:
        """Start `airflow ARGV` as component `name`, its output in logs/NAME.log."""
        log = (self.root / "logs" / f"{name}.log").open("a")
        process = subprocess.Popen(
            [self.airflow_bin(), *argv],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.processes[name] = process
        return process

    def kill(self, name: str, signum: int = signal.SIGKILL) -> float:
        """Send `signum` to component `name` and all its descendants; returns when it was sent."""
        process = self.processes[name]
        process.expected_exit = True  # type: ignore[attr-defined]
        try:
            parent = psutil.Process(process.pid)
            family = [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            family = []
        sent = time.time()
        for member in family:
            with suppress(psutil.NoSuchProcess):
                member.send_signal(signum)
        process.wait(timeout=30)
        return sent

    def stop_all(self) -> None:
        """Kill every component this cluster started (and their children)."""
        for name, process in list(self.processes.items()):
            if process.poll() is None:
                self.kill(name)
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # its session: orphaned grandchildren
            self.processes.pop(name)

    def query(self, sql: str, *params: Any) -> list[tuple]:
        """Run a read-only query on the metadata database."""
        connection = psycopg2.connect(self.dsn)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            connection.close()

    def wait_for(self, what: str, check: Any, timeout: float, every: float = 0.5) -> Any:
        """Poll `check()` until it returns something truthy; fail with component logs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            for name, process in self.processes.items():
                if process.poll() is not None and not getattr(process, "expected_exit", False):
                    raise RuntimeError(f"{name} exited ({process.returncode}):\n{self.tail(name)}")
            time.sleep(every)
        logs = "\n".join(f"--- {n}\n{self.tail(n)}" for n in self.processes)
        raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}\n{logs}")

    def tail(self, name: str, lines: int = 30) -> str:
        """The last lines of a component's log."""
        path = self.root / "logs" / f"{name}.log"
        if not path.is_file():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def running_cluster(cluster: Cluster) -> Iterator[Cluster]:
    """Create the database, yield, and always stop every component and drop the database."""
    try:
        cluster.create_database()
        yield cluster
    finally:
        cluster.stop_all()
        cluster.drop_database()
