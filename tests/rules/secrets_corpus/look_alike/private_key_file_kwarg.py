# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

hook = SFTPHook(ssh_conn_id="partner_sftp", private_key_file="/home/airflow/.ssh/id_ed25519")
