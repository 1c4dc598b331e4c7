"""The task arguments and open DAG contexts the check reads are where Airflow keeps them."""

from __future__ import annotations

from datetime import datetime

import pytest

from dagyard._airflow.dag_objects import (
    clear_open_contexts,
    explicit_arguments,
    runs_periodically,
)


def test_the_arguments_a_task_was_written_with_are_told_apart_from_defaults():
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG

    with DAG("contract_arguments", schedule=None, start_date=datetime(2024, 1, 1)):
        given = EmptyOperator(task_id="given", retries=0, owner="ana@example.com")
        defaulted = EmptyOperator(task_id="defaulted")
    assert {"retries": 0, "owner": "ana@example.com"}.items() <= explicit_arguments(given).items()
    assert "retries" not in explicit_arguments(defaulted)


def test_a_dag_left_open_by_an_error_is_forgotten():
    from airflow.sdk import DAG
    from airflow.sdk.definitions._internal.contextmanager import DagContext

    outer = DAG("contract_left_open", schedule=None, start_date=datetime(2024, 1, 1))
    with pytest.raises(RuntimeError), outer:
        DagContext.push(DAG("contract_inner", schedule=None))
        raise RuntimeError("the file raised inside the DAG")
    assert DagContext.get_current() is not None
    clear_open_contexts()
    assert DagContext.get_current() is None
    assert not DagContext.autoregistered_dags


def test_only_schedules_that_run_at_regular_times_are_periodic():
    from datetime import timedelta

    from airflow.sdk import DAG, Asset, AssetOrTimeSchedule, CronTriggerTimetable

    def dag(schedule):
        return DAG("contract_periodic", schedule=schedule, start_date=datetime(2024, 1, 1))

    periodic = ["@daily", "0 * * * *", timedelta(hours=1)]
    periodic.append(
        AssetOrTimeSchedule(
            timetable=CronTriggerTimetable("@daily", timezone="UTC"), assets=[Asset("a")]
        )
    )
    for _ in range(2):  # the second time from what the first remembered
        for schedule in periodic:
            assert runs_periodically(dag(schedule)), schedule
        for schedule in [None, "@once", Asset("a")]:
            assert not runs_periodically(dag(schedule)), schedule
        assert not runs_periodically(
            dag(AssetOrTimeSchedule(timetable=dag(None).timetable, assets=[Asset("a")]))
        )
    continuous = DAG("contract_continuous", schedule="@continuous", max_active_runs=1)
    assert not runs_periodically(continuous)
