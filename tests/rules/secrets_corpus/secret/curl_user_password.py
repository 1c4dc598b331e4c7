# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

fetch = BashOperator(
    task_id="fetch",
    bash_command="curl -u acme:GZSD161&bisgm -o /tmp/feed.xml https://feeds.partner.com/daily.xml",
)
