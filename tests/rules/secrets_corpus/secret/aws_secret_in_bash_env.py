# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task

with DAG("sync_lake", start_date=datetime(2024, 1, 1), schedule="@daily"):
    BashOperator(
        task_id="sync",
        bash_command="aws s3 sync s3://raw s3://lake",
        env={
            "AWS_ACCESS_KEY_ID": "AKIAAIR3P1Q5I5KH4BXA",
            "AWS_SECRET_ACCESS_KEY": "1ErTHEZnVwX5lfiA5nYQnLqFWfDNJGhjaIFw40YU",
        },
    )
