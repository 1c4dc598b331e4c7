# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

REPORTING_DB = {"host": "mysql.internal", "user": "reporting", "password": "Qu4$ntum!Lk9"}
