# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

HEADERS = {
    "Authorization": "Bearer 0rkHc2J3En0fI9Cf-wlHrk8-9u6e8J_-s7RCbxZ0",
    "Accept": "application/json",
}
