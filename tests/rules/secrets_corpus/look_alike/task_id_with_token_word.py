# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

refresh = BashOperator(task_id="refresh_token_cache", bash_command="echo refreshed")
