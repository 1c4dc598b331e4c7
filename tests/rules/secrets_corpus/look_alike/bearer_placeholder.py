# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

# curl -H "Authorization: Bearer <token>" https://api.partner.com/v1/orders
HEADERS = {"Authorization": "Bearer <token>"}
