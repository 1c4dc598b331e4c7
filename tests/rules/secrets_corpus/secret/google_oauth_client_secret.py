# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

OAUTH = {
    "client_id": "4821936570-29jces4kn3hich0dysgic19mckocyvgc.apps.googleusercontent.com",
    "client_secret": "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",
}
