# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

SLACK_WEBHOOK = "https://hooks.slack.com/services/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"
