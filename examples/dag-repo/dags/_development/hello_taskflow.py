"""A first DAG written with the TaskFlow API: extract, transform, load.

Edit the message below and save: `dagyard dev` shows the change within a second.
"""

from datetime import datetime

from airflow.sdk import dag, task

from common.defaults import default_args


@dag(
    dag_id="hello_taskflow",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["example", "taskflow"],
    default_args=default_args("analyst@example.com"),
    doc_md=__doc__,
)
def hello_taskflow():
    @task
    def extract() -> list[int]:
        return [3, 1, 4, 1, 5]

    @task
    def transform(numbers: list[int]) -> int:
        return sum(numbers)

    @task
    def load(total: int) -> None:
        print(f"Hello from dagyard! The total is {total}.")

    load(transform(extract()))


hello_taskflow()
