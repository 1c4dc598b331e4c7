# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

headers = {"Authorization": "Bearer {{ ti.xcom_pull(task_ids='login', key='access_token') }}"}
