# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

EXTRA = {"key_file": "/keys/id_rsa", "password": "KQYI741!ypljw", "no_host_key_check": True}
