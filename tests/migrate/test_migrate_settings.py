"""`dagyard migrate --settings`: an Airflow 2 airflow.cfg or Helm values file, translated."""

from __future__ import annotations

import subprocess

import pytest

from dagyard._airflow.config_changes import airflow3_setting_changes
from dagyard.migrate.settings import SettingsError, translate
from support import DAGYARD

AIRFLOW_CFG = """\
[core]
executor = CeleryExecutor
parallelism = 64
[scheduler]
dag_dir_list_interval = 60
processor_poll_interval = 1
[secrets]
backend = airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend
backend_kwargs = {"connections_prefix": "conn", "variables_prefix": "var", "project_id": "acme"}
"""

VALUES = """\
config:
  core:
    dags_folder: /opt/airflow/dags
  kubernetes:
    namespace: data-airflow
env:
  - name: AIRFLOW__SCHEDULER__PROCESSOR_POLL_INTERVAL
    value: "1"
  - name: AIRFLOW__CORE__DEFAULT_TIMEZONE
    value: Asia/Seoul
"""


def test_airflow_cfg_becomes_dagyard_settings_and_a_report(tmp_path):
    cfg = tmp_path / "airflow.cfg"
    cfg.write_text(AIRFLOW_CFG)
    result = translate(cfg)
    assert 'secret_manager_project = "acme"' in result.toml
    assert 'connections_prefix = "conn"' in result.toml
    assert any("[core] executor" in note for note in result.notes)
    assert any("processor_poll_interval" in item for item in result.changed_by_airflow3)
    assert "[core] parallelism = 64" in result.left_to_airflow  # 64 is a fine value


def test_helm_values_config_and_env_entries_are_read(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text(VALUES)
    result = translate(values)
    assert 'namespace = "data-airflow"' in result.toml
    assert any("processor_poll_interval" in item for item in result.changed_by_airflow3)
    assert "[core] default_timezone = Asia/Seoul" in result.left_to_airflow


def test_an_unreadable_settings_file_is_a_usage_error(tmp_path):
    broken = tmp_path / "airflow.cfg"
    broken.write_text("no section header\n")
    with pytest.raises(SettingsError, match=r"not an airflow\.cfg"):
        translate(broken)
    result = subprocess.run(
        [DAGYARD, "migrate", "--settings", str(broken)], capture_output=True, text=True
    )
    assert result.returncode == 2 and "not an airflow.cfg" in result.stderr


def test_contract_airflow_still_publishes_its_table_of_setting_changes():
    changes = airflow3_setting_changes()
    assert len(changes) > 50
    moved = changes[("scheduler", "dag_dir_list_interval")]
    assert moved.renamed_to == ("dag_processor", "refresh_interval")
