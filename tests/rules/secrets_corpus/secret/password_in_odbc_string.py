# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

CONN_STR = "DRIVER={ODBC Driver 18 for SQL Server};SERVER=sql.internal;UID=etl;PWD=CSMI446#zngbl"
