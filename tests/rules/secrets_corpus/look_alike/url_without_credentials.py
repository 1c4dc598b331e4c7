# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

ENDPOINT = "https://api.partner.com/v1/items?limit=100&format=json"
