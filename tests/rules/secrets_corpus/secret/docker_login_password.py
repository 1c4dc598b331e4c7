# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

login = BashOperator(
    task_id="login", bash_command="docker login -u ci -p 5uYtnJpZHyHBQJh2SttpOUE2 registry.internal"
)
