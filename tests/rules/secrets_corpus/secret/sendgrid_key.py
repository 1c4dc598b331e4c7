# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

SENDGRID_API_KEY = "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"
