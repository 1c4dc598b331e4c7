# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

GITHUB_TOKEN = (
    "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"
)
