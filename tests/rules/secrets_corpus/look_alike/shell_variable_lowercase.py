# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

upload = BashOperator(task_id="upload", bash_command='password="$1"; sshpass -p "$password" scp out.csv acme@sftp.partner.com:/in/')
