# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

mirror = BashOperator(
    task_id="mirror",
    bash_command="lftp -u acme,AFJZ460!juihj sftp://sftp.partner.com -e 'mirror /out /data/in; quit'",
)
