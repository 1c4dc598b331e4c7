# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

clone = BashOperator(
    task_id="clone",
    bash_command="git clone https://x-access-token:ghs_zNqYSedLm8273CwMsRapcwY5VyBN8d6M5oL6@github.com/acme/dbt-project.git /tmp/dbt",
)
