# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

PASSWORD_POLICY = {"min_length": 12, "require_symbols": True, "rotation_days": 90}
