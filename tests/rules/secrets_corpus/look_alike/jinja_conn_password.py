# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

load = BashOperator(
    task_id="load",
    bash_command="PGPASSWORD='{{ conn.warehouse.password }}' psql -h db -U etl -f load.sql",
)
