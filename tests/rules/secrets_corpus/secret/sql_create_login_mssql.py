# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

sql = "CREATE LOGIN etl_reader WITH PASSWORD = 'RXOE168!mahyp'"
