# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

BACKEND_KWARGS = {
    "connections_prefix": "airflow-connections",
    "variables_prefix": "airflow-variables",
    "sep": "-",
}
