# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

payload = hook.access_secret(secret_id="partner-api-token", secret_version="3")
