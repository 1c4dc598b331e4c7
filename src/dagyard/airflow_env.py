"""Turn a dagyard profile into Airflow settings (`AIRFLOW__*` environment variables).

This is the only module that knows Airflow configuration keys. Every Airflow process dagyard
starts gets its settings from here, so a laptop, CI and production differ only in the profile.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Literal, NamedTuple

from dagyard.config import Config
from dagyard.workspace import Workspace

Profile = Literal["local", "ci", "prod"]

SIMPLE_AUTH_MANAGER = (
    "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
)
LOCAL_BUNDLE = "airflow.dag_processing.bundles.local.LocalDagBundle"
LOCAL_SECRETS_BACKEND = "airflow.secrets.local_filesystem.LocalFilesystemBackend"


class Bundle(NamedTuple):
    """One folder Airflow parses as a DAG bundle."""

    name: str
    path: Path


class LocalOptions(NamedTuple):
    """What one local run of Airflow needs beyond the config file."""

    api_port: int
    execution_api_port: int
    db_url: str | None = None
    parse_all: bool = False


def sqlite_url(path: Path) -> str:
    """SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path.resolve()}"


def normalize_db_url(url: str) -> str:
    """Accept the URL forms people paste (`postgres://`, `postgresql://`) and name the driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url.removeprefix("postgresql://")
    return url


def bundles_for(config: Config, parse_all: bool) -> list[Bundle]:
    """The DAG bundles to parse: the development folders, or the whole DAGs folder."""
    if parse_all:
        return [Bundle("dags", config.dags_path)]
    return [
        Bundle(folder.strip("/").replace("/", "-") or "dags", path)
        for folder, path in zip(config.dev.folders, config.dev_paths(), strict=True)
    ]


def local_env(config: Config, workspace: Workspace, options: LocalOptions) -> dict[str, str]:
    """Environment for Airflow processes on a laptop (`dagyard dev`, `dagyard run`).

    Fast feedback: tight parse intervals, every change re-serialized at once, few workers.
    Safe: API on 127.0.0.1 only, per-project keys, no printed password (every local request
    is an admin), connections and variables from the git-ignored local secrets files.
    """
    keys = workspace.keys()
    api_url = f"http://127.0.0.1:{options.api_port}"
    db_url = normalize_db_url(options.db_url) if options.db_url else sqlite_url(workspace.db_file)
    bundles = [
        {
            "name": b.name,
            "classpath": LOCAL_BUNDLE,
            "kwargs": {"path": str(b.path), "refresh_interval": 2},
        }
        for b in bundles_for(config, options.parse_all)
    ]
    python_path = [str(config.dags_path), str(config.root)]
    if os.environ.get("PYTHONPATH"):
        python_path.append(os.environ["PYTHONPATH"])
    env = {
        "AIRFLOW_HOME": str(workspace.home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(config.dags_path),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(config.dev.parallelism),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": str(not config.dev.unpause_dags),
        "AIRFLOW__CORE__MIN_SERIALIZED_DAG_UPDATE_INTERVAL": "0",
        "AIRFLOW__CORE__AUTH_MANAGER": SIMPLE_AUTH_MANAGER,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__CORE__FERNET_KEY": keys.fernet_key,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": (
            f"http://127.0.0.1:{options.execution_api_port}/execution/"
        ),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db_url,
        "AIRFLOW__DATABASE__CHECK_MIGRATIONS": "False",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(options.api_port),
        "AIRFLOW__API__BASE_URL": api_url,
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API__SECRET_KEY": keys.secret_key,
        "AIRFLOW__API__EXPOSE_CONFIG": "True",
        "AIRFLOW__API_AUTH__JWT_SECRET": keys.jwt_secret,
        "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps(bundles),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "2",
        "AIRFLOW__DAG_PROCESSOR__BUNDLE_REFRESH_CHECK_INTERVAL": "1",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "30",
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "2",
        "AIRFLOW__DAG_PROCESSOR__STALE_DAG_THRESHOLD": "10",
        "AIRFLOW__DAG_PROCESSOR__PRINT_STATS_INTERVAL": "3600",
        "AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR": "True",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(workspace.logs),
        "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
        "AIRFLOW__SECRETS__BACKEND": LOCAL_SECRETS_BACKEND,
        "AIRFLOW__SECRETS__BACKEND_KWARGS": json.dumps(
            {
                "connections_file_path": str(workspace.connections_file),
                "variables_file_path": str(workspace.variables_file),
            }
        ),
        "PYTHONPATH": os.pathsep.join(python_path),
        "DAGYARD_PROJECT": str(config.root),
        "DAGYARD_PROFILE": "local",
    }
    credentials = config.expand(config.dev.google_application_credentials)
    if credentials:
        env["GOOGLE_APPLICATION_CREDENTIALS"] = str(credentials)
    env.update(config.dev.env)
    return env


def apply(env: dict[str, str]) -> None:
    """Put `env` into this process before Airflow is imported, and make DAG imports work."""
    os.environ.update(env)
    for entry in reversed(env.get("PYTHONPATH", "").split(os.pathsep)):
        if entry and entry not in sys.path:
            sys.path.insert(0, entry)
