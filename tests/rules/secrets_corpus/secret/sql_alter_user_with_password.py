# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

rotate = SQLExecuteQueryOperator(
    task_id="rotate",
    conn_id="warehouse",
    sql="ALTER USER etl_loader WITH PASSWORD 'KPLW781!mbonu'",
)
