# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

BQ = {"project_id": "analytics-prod-4f2a", "dataset_id": "mart_finance", "location": "EU"}
