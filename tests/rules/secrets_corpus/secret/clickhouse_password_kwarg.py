# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

client = clickhouse_connect.get_client(
    host="ch.internal", username="loader", password="RYCQ764&drvzj"
)
