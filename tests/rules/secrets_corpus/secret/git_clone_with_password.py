# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

CLONE = "git clone https://deploy:EOZP458&hgziq@gitlab.internal/data/dbt.git"
