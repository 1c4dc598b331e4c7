# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

KEY = "exports/2024/01/31/orders_7f3a9c1e5b2d4f6a8c0e.csv.gz"
