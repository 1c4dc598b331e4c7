# A case of dagyard's secret-detection corpus (secret). Values are made up.
from datetime import datetime

from airflow.sdk import DAG, Variable, task


@task
def latest_release() -> str:
    import requests

    response = requests.get(
        "https://api.github.com/repos/acme/etl/releases/latest",
        headers={"Authorization": "token ghp_FiEXpVdE58zHYprM8nkSCV3zwgIj85ZrHnoA"},
    )
    return response.json()["tag_name"]
