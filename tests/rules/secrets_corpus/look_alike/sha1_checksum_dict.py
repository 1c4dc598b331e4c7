# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

FILES = {"customers.csv": {"sha1": "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", "rows": 1200}}
