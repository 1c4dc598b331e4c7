# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

run = BashOperator(
    task_id="run",
    bash_command="export API_TOKEN=19Lo1FmGSoJCkmkDA5pDNzMjTFd8QYlg && python /opt/jobs/pull.py",
)
