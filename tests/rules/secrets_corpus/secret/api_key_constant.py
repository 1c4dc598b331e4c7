# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

API_KEY = "MtlvQRiHKwIb7011pOIQ8XokBWCx8q4e"
