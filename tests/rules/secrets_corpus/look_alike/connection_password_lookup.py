# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task


@task
def connect():
    password = BaseHook.get_connection("warehouse").password
    return password is not None
