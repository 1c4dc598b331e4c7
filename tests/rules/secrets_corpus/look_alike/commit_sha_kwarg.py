# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

checkout = BashOperator(
    task_id="checkout",
    bash_command="git checkout {{ params.sha }}",
    params={"sha": "e4a1c9f03b7d2e8a6c5f1b0d9e8a7c6b5f4d3e2a"},
)
