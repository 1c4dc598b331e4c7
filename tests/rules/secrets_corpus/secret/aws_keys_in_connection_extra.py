# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

EXTRA = '{"aws_access_key_id": "AKIA882874C1M1PPZXP6", "aws_secret_access_key": "PqTLkCVeHcKMTXsHH/hkz0nQQG9WJ05X72qibobT"}'
