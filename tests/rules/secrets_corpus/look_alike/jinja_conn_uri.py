# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

sync = BashOperator(
    task_id="sync", bash_command="pg_dump '{{ conn.warehouse.get_uri() }}' > /tmp/w.sql"
)
