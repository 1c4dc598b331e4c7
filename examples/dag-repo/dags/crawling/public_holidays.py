"""Fetch the public holiday calendar once a month."""

from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

from common.defaults import default_args

with DAG(
    dag_id="public_holidays",
    schedule="@monthly",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["crawling"],
    default_args=default_args("crawl-team@example.com"),
):
    BashOperator(task_id="fetch_calendar", bash_command="echo fetching holidays for {{ ds }}")
