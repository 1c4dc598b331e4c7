# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

with DAG("push_metrics", start_date=datetime(2024, 1, 1), schedule="@hourly"):
    HttpOperator(
        task_id="push",
        http_conn_id="metrics_api",
        endpoint="/v1/push",
        headers={"Authorization": "Token a3f7c6ba7059797a16e5a1067f87ee0904473821"},
    )
