# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

dump = BashOperator(
    task_id="dump",
    bash_command="PGPASSWORD=GRSN685&hzccp pg_dump -h db.internal -U backup analytics > /tmp/a.sql",
)
