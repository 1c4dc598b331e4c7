# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

THEME = {"primary": "#1f77b4", "run_hash": "b1946ac92492d2347c6235b4d2611184"}
