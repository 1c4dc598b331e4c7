"""Contract: the Airflow reference data `deploy` reads is where and what it expects."""

from __future__ import annotations

from dagyard.deploy.airflow_reference import config_options, statsd_names


def test_airflow_3_3_settings_reference():
    options = config_options()
    assert "enable_health_check" in options["scheduler"]
    assert "auth_manager" in options["core"]
    assert "namespace" in options["kubernetes_executor"]  # from the cncf-kubernetes provider
    # Gone in Airflow 3 (the DAG processor always runs on its own), and the [webserver] section.
    assert "standalone_dag_processor" not in options["scheduler"]
    assert "webserver" not in options


def test_statsd_names_from_the_metrics_registry():
    names = statsd_names()
    assert "airflow.scheduler_heartbeat" in names
    assert "airflow.ti.finish" in names
    assert "airflow.ti.finish.example.example.example" in names
    assert all(name.startswith("airflow.") and "{" not in name for name in names)
