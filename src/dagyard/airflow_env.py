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
RUN_BUNDLE = "dags"


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
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
        # A busy laptop may answer slowly (the task API builds its routes once, at start-up):
        # wait for it rather than retry a request that went through.
        "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "60",
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
        # Never write into the user's dags/ tree, not even __pycache__ folders.
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    credentials = config.expand(config.dev.google_application_credentials)
    if credentials:
        env["GOOGLE_APPLICATION_CREDENTIALS"] = str(credentials)
    env.update(metrics_env(config))
    env.update(config.dev.env)
    return env


def metrics_env(config: Config) -> dict[str, str]:
    """Airflow's statsd metrics, sent to `[monitoring] statsd_host` when one is configured."""
    monitoring = config.monitoring
    if not monitoring.statsd_host:
        return {}
    return {
        "AIRFLOW__METRICS__STATSD_ON": "True",
        "AIRFLOW__METRICS__STATSD_HOST": monitoring.statsd_host,
        "AIRFLOW__METRICS__STATSD_PORT": str(monitoring.statsd_port),
        "AIRFLOW__METRICS__STATSD_PREFIX": monitoring.statsd_prefix,
    }


def run_env(
    config: Config, workspace: Workspace, run_dir: Path, execution_port: int
) -> dict[str, str]:
    """Environment for `dagyard run`: the local profile on a private database and log folder.

    The whole DAGs folder is the one bundle (so tasks find the DAG file by its path), but only
    the DAG's own file is ever parsed.
    """
    env = local_env(
        config,
        workspace,
        LocalOptions(api_port=0, execution_api_port=execution_port, parse_all=True),
    )
    bundle = {
        "name": RUN_BUNDLE,
        "classpath": LOCAL_BUNDLE,
        "kwargs": {"path": str(config.dags_path), "refresh_interval": 3600},
    }
    env.update(
        {
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlite_url(run_dir / "db" / "airflow.db"),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(run_dir / "logs"),
            "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps([bundle]),
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        }
    )
    del env["AIRFLOW__API__PORT"], env["AIRFLOW__API__BASE_URL"]
    return env


STAND_IN_SECRETS_BACKEND = "dagyard.parsing.standins.StandInSecretsBackend"


def check_env(config: Config, home: Path) -> dict[str, str]:
    """Environment for `dagyard check`: Airflow parses DAG files with no database or credentials.

    `home` is a scratch AIRFLOW_HOME (no `airflow_local_settings.py`, so no local policies).
    Variables and connections come from the stand-in secrets backend (placeholders, or the values
    in `[check] stand_in_variables` / `stand_in_connections`), never from a database.
    """
    python_path = [str(config.dags_path), str(config.root)]
    if os.environ.get("PYTHONPATH"):
        python_path.append(os.environ["PYTHONPATH"])
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(config.dags_path),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__CORE__DAG_DISCOVERY_SAFE_MODE": "True",
        # the whole traceback, so that an error raised deep inside a library still shows the
        # user's own line (Airflow keeps only the last 2 frames by default)
        "AIRFLOW__CORE__DAGBAG_IMPORT_ERROR_TRACEBACKS": "True",
        "AIRFLOW__CORE__DAGBAG_IMPORT_ERROR_TRACEBACK_DEPTH": "1000",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlite_url(home / "unused.db"),
        "AIRFLOW__DATABASE__CHECK_MIGRATIONS": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
        "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
        "AIRFLOW__SECRETS__BACKEND": STAND_IN_SECRETS_BACKEND,
        "AIRFLOW__SECRETS__BACKEND_KWARGS": json.dumps(
            {
                "variables": config.check.stand_in_variables,
                "connections": config.check.stand_in_connections,
            }
        ),
        "AIRFLOW__WORKERS__SECRETS_BACKEND": STAND_IN_SECRETS_BACKEND,
        "AIRFLOW__WORKERS__SECRETS_BACKEND_KWARGS": json.dumps(
            {
                "variables": config.check.stand_in_variables,
                "connections": config.check.stand_in_connections,
            }
        ),
        "PYTHONPATH": os.pathsep.join(python_path),
        "DAGYARD_PROJECT": str(config.root),
        "DAGYARD_PROFILE": "check",
    }


def describe_env(home: Path, dags_folder: Path, root: Path | None = None) -> dict[str, str]:
    """Environment in which Airflow 2 or 3 only reads DAG files (`dagyard migrate --verify`):
    a scratch AIRFLOW_HOME and database, no examples, no secrets."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlite_url(home / "unused.db"),
        "AIRFLOW__DATABASE__CHECK_MIGRATIONS": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
        "PYTHONPATH": os.pathsep.join([str(dags_folder), str(root or dags_folder.parent)]),
        "PYTHONWARNINGS": "ignore",
    }


def apply(env: dict[str, str]) -> None:
    """Put `env` into this process before Airflow is imported, and make DAG imports work."""
    os.environ.update(env)
    if env.get("PYTHONDONTWRITEBYTECODE"):
        sys.dont_write_bytecode = True
    for entry in reversed(env.get("PYTHONPATH", "").split(os.pathsep)):
        if entry and entry not in sys.path:
            sys.path.insert(0, entry)


FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
KEYCLOAK_AUTH_MANAGER = (
    "airflow.providers.keycloak.auth_manager.keycloak_auth_manager.KeycloakAuthManager"
)
GOOGLE_SECRETS_BACKEND = (
    "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend"
)
KEYCLOAK_CLIENT_SECRET_ENV = "AIRFLOW__KEYCLOAK_AUTH_MANAGER__CLIENT_SECRET"
PROD_PARSE_SETTINGS = {
    "refresh_interval": "300",
    "min_file_process_interval": "30",
    "parsing_processes": "2",
    "dag_file_processor_timeout": "50",
    "stale_dag_threshold": "50",
    "print_stats_interval": "300",
}


def prod_airflow_config(config: Config, env_name: str) -> dict[str, dict[str, str]]:
    """Airflow settings (`[section] key = value`) of a production environment on Kubernetes.

    Rendered into the Helm chart's `config:` block. KubernetesExecutor, production parse
    intervals, the configured auth manager, and connections/variables from Google Secret
    Manager under the environment's prefixes.
    """
    env = config.deploy.environments[env_name]
    auth_manager = FAB_AUTH_MANAGER if env.auth_manager == "fab" else KEYCLOAK_AUTH_MANAGER
    backend_kwargs: dict[str, str] = {
        "connections_prefix": env.connections_prefix,
        "variables_prefix": env.variables_prefix,
    }
    if env.secret_manager_project:
        backend_kwargs["project_id"] = env.secret_manager_project
    sections: dict[str, dict[str, str]] = {
        "core": {
            "executor": "KubernetesExecutor",
            "load_examples": "False",
            "dags_are_paused_at_creation": "True",
            "auth_manager": auth_manager,
        },
        "dag_processor": dict(PROD_PARSE_SETTINGS),
        "scheduler": {"enable_health_check": "True"},
        "kubernetes_executor": {
            "namespace": env.namespace,
            "delete_worker_pods": "True",
            "delete_worker_pods_on_failure": "False",
        },
        "secrets": {
            "backend": GOOGLE_SECRETS_BACKEND,
            "backend_kwargs": json.dumps(backend_kwargs, sort_keys=True),
        },
        "api": {"expose_config": "False"},
        "metrics": {"statsd_on": "True", "statsd_prefix": config.monitoring.statsd_prefix},
    }
    if env.auth_manager == "keycloak":
        sections["keycloak_auth_manager"] = {
            "server_url": str(env.keycloak_server_url),
            "realm": str(env.keycloak_realm),
            "client_id": str(env.keycloak_client_id),
        }
    return sections


def prod_secret_env(config: Config, env_name: str) -> list[tuple[str, str, str]]:
    """Extra `(AIRFLOW__* variable, Kubernetes Secret, key)` the chart must mount, if any."""
    env = config.deploy.environments[env_name]
    if env.auth_manager == "keycloak":
        return [(KEYCLOAK_CLIENT_SECRET_ENV, env.keycloak_client_secret_secret, "client-secret")]
    return []
