# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

sql = "CREATE USER reporting IDENTIFIED BY '{{ var.value.reporting_password }}'"
