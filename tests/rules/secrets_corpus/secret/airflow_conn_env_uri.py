# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

ENV = {"AIRFLOW_CONN_WAREHOUSE": "postgres://etl:IDUU481%xjdbu@warehouse.internal:5432/analytics"}
