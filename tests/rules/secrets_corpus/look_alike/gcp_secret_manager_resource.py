# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

SECRET = "projects/analytics-prod/secrets/warehouse-password/versions/latest"
