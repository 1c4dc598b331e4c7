# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task


@task
def fetch():
    import requests

    return requests.get(
        "https://api.partner.com/v2/orders",
        headers={"Authorization": "Basic YWNtZTpVRVFHNTYwI3dyYmtr"},
    ).json()
