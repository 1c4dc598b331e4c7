# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

HEADERS = {"apikey": "0xOFZaaAcC5FZDYnVxsAK7x2XcpjHUr9OHwg"}
