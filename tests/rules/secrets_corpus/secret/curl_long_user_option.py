# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

cmd = "curl --user admin:SFFK388&swcuo https://nexus.internal/service/rest/v1/assets"
