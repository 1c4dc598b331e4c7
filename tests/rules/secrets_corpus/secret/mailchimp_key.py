# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

MAILCHIMP_KEY = "ccdef911eb37fd2b774e27b52f9aa6a0-us6"
