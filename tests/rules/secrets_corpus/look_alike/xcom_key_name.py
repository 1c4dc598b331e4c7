# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

ti.xcom_push(key="access_token_expires_at", value=expires_at)
