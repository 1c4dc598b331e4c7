# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

default_args = {
    "owner": "finance@acme.com",
    "retries": 2,
    "params": {"db_password": "MSKF537#emyfh"},
}
