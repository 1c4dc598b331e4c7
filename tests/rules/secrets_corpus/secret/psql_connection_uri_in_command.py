# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

cmd = "psql postgresql://readonly:LROO756!bqowi@replica.internal:5432/shop -c 'select 1'"
