# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

with DAG("nightly", schedule="15 2 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    EmptyOperator(task_id="start")
