# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

with DAG("notify", start_date=datetime(2024, 1, 1), schedule=None):
    SlackAPIPostOperator(
        task_id="post",
        token="xoxb-235418137301-3446442772300-ZijXQTDAoQNCvMKjjzvHFb5s",
        channel="#data-alerts",
        text="Load finished",
    )
