# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

load = BashOperator(
    task_id="load",
    bash_command="mysql -h db.internal -u loader -pXYQU759#nfjxx shop < /tmp/load.sql",
)
