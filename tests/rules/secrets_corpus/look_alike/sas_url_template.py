# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

SAS_URL = "https://lakeacme.blob.core.windows.net/raw?{{ var.value.lake_sas_token }}"
