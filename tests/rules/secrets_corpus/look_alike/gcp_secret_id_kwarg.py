# A case of dagyard's secret-detection corpus (look-alike). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task


@task
def read_secret():
    from airflow.providers.google.cloud.hooks.secret_manager import GoogleCloudSecretManagerHook

    return GoogleCloudSecretManagerHook().access_secret(
        secret_id="warehouse-password", project_id="analytics-prod"
    )
