# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

# Set the password with: dagyard secrets set connection warehouse --password <password>
CONN_ID = "warehouse"
