# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

JOB_ID = "airflow_1704067200_5f8e2c1a9b3d4e6f7a8b9c0d1e2f3a4b"
