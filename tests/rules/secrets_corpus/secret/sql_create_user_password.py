# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

sql = "CREATE USER looker PASSWORD 'ETDE358&lzknz' DEFAULT_ROLE = REPORTING"
