# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

sf = Salesforce(
    username="etl@acme.com", password="JEWM900#cgtbk", security_token="gEz7ZoCaM0ODpojpVE60AXMcq"
)
