"""Deletes old DAG runs and task instances (the classic maintenance DAG)."""
from datetime import timedelta

from airflow import settings
from airflow.models import DAG, DagRun, TaskInstance
from airflow.operators.python_operator import PythonOperator
from airflow.utils.dates import days_ago

MAX_AGE = timedelta(days=30)


def cleanup(**context):
    session = settings.Session()
    oldest = context["execution_date"] - MAX_AGE
    session.query(TaskInstance).filter(TaskInstance.start_date < oldest).delete()
    session.query(DagRun).filter(DagRun.execution_date < oldest).delete()
    session.commit()


dag = DAG("metadata_cleanup", schedule_interval="@daily", start_date=days_ago(1),
          default_args={"owner": "platform@example.com"}, catchup=False)
PythonOperator(task_id="cleanup", python_callable=cleanup, provide_context=True, dag=dag)
