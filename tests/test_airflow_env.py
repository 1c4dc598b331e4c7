"""The local profile: what every Airflow process dagyard starts on a laptop is told."""

from __future__ import annotations

import json
from pathlib import Path

from dagyard.airflow_env import LocalOptions, bundles_for, local_env, normalize_db_url, run_env
from dagyard.config import load_config
from dagyard.workspace import Workspace


def env_for(root: Path, toml: str = "", **options) -> dict[str, str]:
    (root / "dagyard.toml").write_text(toml)
    config = load_config(root)
    return local_env(config, Workspace(root), LocalOptions(8080, 9090, **options))


def test_api_is_local_only_and_every_request_is_an_admin(tmp_path):
    env = env_for(tmp_path)
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert env["AIRFLOW__API__BASE_URL"] == "http://127.0.0.1:8080"
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] == "True"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:9090/execution/"


def test_feedback_settings_are_tight(tmp_path):
    env = env_for(tmp_path)
    assert env["AIRFLOW__CORE__MIN_SERIALIZED_DAG_UPDATE_INTERVAL"] == "0"
    assert int(env["AIRFLOW__DAG_PROCESSOR__BUNDLE_REFRESH_CHECK_INTERVAL"]) <= 1
    assert int(env["AIRFLOW__CORE__PARALLELISM"]) == 4


def test_only_development_folders_are_bundles_unless_all(tmp_path):
    env = env_for(tmp_path, '[dev]\nfolders = ["_development", "team/sandbox"]\n')
    bundles = json.loads(env["AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST"])
    assert [b["name"] for b in bundles] == ["_development", "team-sandbox"]
    assert bundles[1]["kwargs"]["path"] == str(tmp_path.resolve() / "dags" / "team" / "sandbox")
    everything = bundles_for(load_config(tmp_path), parse_all=True)
    assert [b.path for b in everything] == [tmp_path.resolve() / "dags"]


def test_shared_helpers_import_as_in_production(tmp_path):
    env = env_for(tmp_path)
    assert env["PYTHONPATH"].split(":")[:2] == [
        str(tmp_path.resolve() / "dags"),
        str(tmp_path.resolve()),
    ]


def test_local_secrets_and_credentials_come_from_the_laptop(tmp_path):
    env = env_for(tmp_path, '[dev]\ngoogle_application_credentials = "keys/sa.json"\n')
    kwargs = json.loads(env["AIRFLOW__SECRETS__BACKEND_KWARGS"])
    assert kwargs["connections_file_path"].endswith(".dagyard/secrets/connections.yaml")
    assert kwargs["variables_file_path"].endswith(".dagyard/secrets/variables.yaml")
    assert env["GOOGLE_APPLICATION_CREDENTIALS"] == str(tmp_path.resolve() / "keys" / "sa.json")


def test_keys_are_per_project_and_stable(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    first, again, other = env_for(one), env_for(one), env_for(two)
    for key in (
        "AIRFLOW__API__SECRET_KEY",
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "AIRFLOW__CORE__FERNET_KEY",
    ):
        assert first[key] == again[key] != other[key]
    assert (one / ".dagyard" / "keys.json").stat().st_mode & 0o777 == 0o600


def test_postgres_urls_name_their_driver(tmp_path):
    assert normalize_db_url("postgres://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert normalize_db_url("postgresql://u@h/db") == "postgresql+psycopg2://u@h/db"
    env = env_for(tmp_path, db_url="postgresql://u@h:5432/db")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == "postgresql+psycopg2://u@h:5432/db"


def test_run_profile_uses_a_private_database_and_the_whole_dags_folder(tmp_path):
    (tmp_path / "dagyard.toml").write_text("")
    config = load_config(tmp_path)
    env = run_env(config, Workspace(tmp_path), tmp_path / "run", 7777)
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith("/run/db/airflow.db")
    [bundle] = json.loads(env["AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST"])
    assert bundle["kwargs"]["path"] == str(config.dags_path)
    assert "AIRFLOW__API__PORT" not in env
