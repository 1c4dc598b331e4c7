# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

default_args = {"owner": "analyst@acme.com", "email": ["data-alerts@acme.com"]}
