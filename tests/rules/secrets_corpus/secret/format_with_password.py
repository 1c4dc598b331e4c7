# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

dsn = "host={host} password={password}".format(host="db.internal", password="NMOR840!exfae")
