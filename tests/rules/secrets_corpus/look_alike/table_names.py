# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

TABLES = ["raw.customer_credentials_audit", "raw.password_resets", "mart.api_key_usage"]
