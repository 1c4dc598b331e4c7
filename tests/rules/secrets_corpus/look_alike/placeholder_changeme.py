# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

DEFAULTS = {"user": "etl", "password": "changeme"}
