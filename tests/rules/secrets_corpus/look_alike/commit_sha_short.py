# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

DBT_PACKAGE = {"git": "https://github.com/dbt-labs/dbt-utils.git", "revision": "4e2b1a7"}
