# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

api_key = HttpHook.get_connection("partner_api").extra_dejson["api_key"]
