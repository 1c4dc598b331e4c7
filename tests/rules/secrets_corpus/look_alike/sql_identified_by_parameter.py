# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

cursor.execute("ALTER USER etl IDENTIFIED BY %(password)s", {"password": new_password})
