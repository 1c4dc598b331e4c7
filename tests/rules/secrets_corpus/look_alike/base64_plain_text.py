# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

BANNER = "SGVsbG8gZnJvbSB0aGUgZGF0YSBwbGF0Zm9ybSB0ZWFtLCBoYXZlIGEgbmljZSBkYXkh"
