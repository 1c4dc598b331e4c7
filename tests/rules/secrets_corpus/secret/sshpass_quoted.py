# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

upload = BashOperator(
    task_id="upload",
    bash_command="sshpass -p 'BTBQ129&uptsy' scp /tmp/report.csv acme@sftp.partner.com:/in/",
)
