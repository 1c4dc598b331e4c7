"""Copy yesterday's rental events from the operational database into the data lake."""

from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

from common.defaults import default_args


def count_rows(**context) -> int:
    rows = 1200
    print(f"{rows} rental events for {context['ds']}")
    return rows


with DAG(
    dag_id="ingest_rental_events",
    schedule="0 1 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["data_lake"],
    default_args=default_args("lake-team@example.com"),
):
    extract = BashOperator(task_id="extract", bash_command="echo extracting {{ ds }}")
    check_row_count = PythonOperator(task_id="check_row_count", python_callable=count_rows)
    publish = BashOperator(task_id="publish", bash_command="echo published")
    extract >> check_row_count >> publish
