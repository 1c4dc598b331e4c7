# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

RESET_URL = "https://accounts.acme.com/password/reset?user_id=12345"
