# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

PARAMS = {"seed": 42, "salt_column": "customer_salt", "hash_algorithm": "sha256"}
