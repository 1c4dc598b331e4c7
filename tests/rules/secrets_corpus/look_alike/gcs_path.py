# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

SOURCE = "gs://acme-raw-events/year=2024/month=01/part-00000-5f1c9e2a.snappy.parquet"
