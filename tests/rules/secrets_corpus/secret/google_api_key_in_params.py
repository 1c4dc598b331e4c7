# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task


@task
def geocode(address: str) -> dict:
    import requests

    return requests.get(
        "https://maps.googleapis.com/maps/api/geocode/json",
        params={"address": address, "key": "AIzaShhmeZV_R2gMwNRxovC14Hqrjz16A8eXXJg"},
    ).json()
