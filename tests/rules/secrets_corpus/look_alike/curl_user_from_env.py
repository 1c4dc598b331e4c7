# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

fetch = BashOperator(
    task_id="fetch",
    bash_command='curl -u "$API_USER:$API_PASSWORD" https://feeds.partner.com/daily.xml',
)
