# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

cmd = "scp -i /home/airflow/.ssh/id_ed25519 -P 2222 out.csv acme@sftp.partner.com:/in/"
