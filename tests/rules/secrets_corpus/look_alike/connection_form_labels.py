# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

FORM = {
    "relabeling": {"login": "Account name", "password": "API Token"},
    "placeholders": {"password": "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"},
}
