# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

MERGE = {"primary_key": "customer_id", "partition_key": "ds", "sort_key": "updated_at"}
