# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

hook = SSHHook(remote_host="sftp.partner.com", username="acme", password="BAMW093%xtpbn")
