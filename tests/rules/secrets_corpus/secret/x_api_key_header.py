# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

headers = {"X-API-Key": "14a1gn9nzjqzmul0nsmbyhip9s9gy1pj", "Content-Type": "application/json"}
