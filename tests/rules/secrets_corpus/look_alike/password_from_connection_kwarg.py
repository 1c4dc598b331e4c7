# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

client = paramiko.SSHClient()
client.connect(hostname=conn.host, username=conn.login, password=conn.password)
