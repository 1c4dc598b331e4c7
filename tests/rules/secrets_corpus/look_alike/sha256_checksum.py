# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

EXPECTED_SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
