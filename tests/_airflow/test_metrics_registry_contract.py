"""Contract: Airflow's metrics registry is where `_airflow.metrics_registry` reads it, in the
shape it expects (a list of metrics with a name and a legacy name with variables)."""

from __future__ import annotations

from dagyard._airflow import metrics_registry


def test_the_registry_file_is_in_the_installed_airflow():
    assert metrics_registry.registry_file().is_file()


def test_each_metric_has_a_name_and_a_legacy_name():
    registry = metrics_registry.metrics()
    assert len(registry) > 50
    assert all("name" in metric and "legacy_name" in metric for metric in registry)
    finish = next(m for m in registry if m["name"] == "ti.finish")
    assert finish["legacy_name"] == "ti.finish.{dag_id}.{task_id}.{state}"
