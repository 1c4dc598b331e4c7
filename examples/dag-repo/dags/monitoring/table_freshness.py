"""Check that the most important tables were updated today."""

from datetime import datetime

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

from common.defaults import default_args

TABLES = ["lake.rental_events", "mart.daily_revenue"]


def check_freshness(table: str) -> None:
    print(f"{table} is fresh")


with DAG(
    dag_id="table_freshness",
    schedule="*/30 * * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["monitoring"],
    default_args=default_args("platform-team@example.com", retries=0),
):
    for table in TABLES:
        PythonOperator(
            task_id=f"check_{table.replace('.', '_')}",
            python_callable=check_freshness,
            op_args=[table],
        )
