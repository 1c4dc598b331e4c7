# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

stmt = 'CREATE USER analyst IDENTIFIED BY "EKKR831!uybyv"'
