# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

ALERTS = {"channel": "C04ABCDEF12", "owner": "U02XYZ12345"}
