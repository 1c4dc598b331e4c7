"""Sync the vehicle catalog in a pod: heavy dependencies live in their own image."""

from datetime import datetime

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.sdk import DAG

from common.defaults import default_args

with DAG(
    dag_id="sync_vehicle_catalog",
    schedule="@hourly",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["data_lake", "kubernetes"],
    default_args=default_args("lake-team@example.com"),
):
    KubernetesPodOperator(
        task_id="sync_catalog",
        name="sync-vehicle-catalog",
        image="python:3.11-slim",
        cmds=["python", "-c", "print('catalog synced')"],
        get_logs=True,
    )
