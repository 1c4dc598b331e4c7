# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

client = Minio(conn.host, access_key=conn.login, secret_key=conn.password, secure=True)
