# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

SECRETS = {"warehouse_password_secret_name": "warehouse-loader-password-prod"}
