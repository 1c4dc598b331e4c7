# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

IMAGE = "registry.internal/etl/loader:sha-8f14e45fceea167a5a36dedd4bea2543"
