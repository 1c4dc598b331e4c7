# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

backup = "mysqldump --user=backup --password=JOEN917!ulrzu --all-databases > /backup/all.sql"
