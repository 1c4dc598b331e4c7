# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

Variable.set("partner_api_token", "5YtiNaNrlM1262jXxDRs46oMSQC9Jhj3c8dXJdwb")
