# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

with DAG("export_crm", start_date=datetime(2024, 1, 1), schedule="@daily"):
    SimpleHttpOperator(
        task_id="export",
        endpoint="/api/export",
        headers={
            "Content-Type": "application/json",
            "Authorization": "Bearer 590c56c0ce789c759d49d8526456869d869c30505a12f16501ee89c48063eb30",
        },
    )
