# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

sql = "SELECT user_id, password_hash, last_login FROM app.users WHERE updated_at > '{{ ds }}'"
