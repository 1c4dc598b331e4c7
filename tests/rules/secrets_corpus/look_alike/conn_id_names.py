# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

load = SQLExecuteQueryOperator(task_id="load", conn_id="warehouse_readonly", sql="SELECT 1")
