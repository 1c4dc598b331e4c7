"""Read a connection and a variable the platform way: never typed into the code.

On a laptop both come from the git-ignored local secrets files (`dagyard secrets`);
in production from the secrets manager. The DAG code is the same in both places.
"""

from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, BaseHook, Variable

from common.defaults import default_args


def read_source() -> str:
    connection = BaseHook.get_connection("reporting_api")
    table = Variable.get("report_table", default="analytics.daily_report")
    print(f"Reading from {connection.host} into {table}")
    return table


with DAG(
    dag_id="my_first_report",
    schedule="0 6 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["example", "report"],
    default_args=default_args("analyst@example.com"),
    doc_md=__doc__,
):
    describe_source = PythonOperator(task_id="describe_source", python_callable=read_source)
    announce = BashOperator(
        task_id="announce",
        bash_command="echo 'report table: {{ ti.xcom_pull(task_ids=\"describe_source\") }}'",
    )
    describe_source >> announce
