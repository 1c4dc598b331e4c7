"""A first DAG written with the TaskFlow API: extract, transform, load.

Edit the numbers below and save: `make dev` shows the change within a second or two.
"""

from datetime import datetime

from airflow.sdk import dag, task
from common.greetings import greeting

OWNER = "data-team@{{email_domain}}"


@dag(
    dag_id="hello_dagyard",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["example"],
    default_args={"owner": OWNER, "retries": 2},
    doc_md=__doc__,
)
def hello_dagyard():
    @task
    def extract() -> list[int]:
        return [3, 1, 4, 1, 5]

    @task
    def transform(numbers: list[int]) -> int:
        return sum(numbers)

    @task
    def load(total: int) -> None:
        print(greeting(total))

    load(transform(extract()))


hello_dagyard()
