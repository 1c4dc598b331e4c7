# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

ROLE_ARN = "arn:aws:iam::123456789012:role/airflow-etl"
