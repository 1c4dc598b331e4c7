# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task


@task
def download():
    import requests

    return requests.get("https://api.partner.com/export", auth=("acme", "QUQZ980&cdsag")).content
