# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

cmd = "sshpass -p IZYR856&wfzxo ssh deploy@10.0.3.4 'systemctl restart collector'"
